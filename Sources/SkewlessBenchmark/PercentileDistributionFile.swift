import Histogram
import SkewlessModel

/// HdrHistogram's percentile-distribution text (.hgrm), as `outputPercentileDistribution`
/// prints it and HistogramLogAnalyzer and the HdrHistogram plotter read it: values in
/// microseconds (fsbench records nanoseconds), 5 ticks per half distance.
package enum PercentileDistributionFile {
    package static func text(of histogram: Histogram<UInt64>) -> String {
        var text = ""
        histogram.outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1000, percentileTicksPerHalfDistance: 5)
        return text
    }

    /// One line of the distribution.
    package struct Line: Sendable, Hashable {
        package var value: Double
        package var percentile: Double
        package var totalCount: UInt64
    }

    /// Parses the lines of a .hgrm text (for tests and tools); the header and the `#[...]`
    /// footer are skipped.
    package static func parse(_ text: String) throws(SkewlessError) -> (lines: [Line], totalCount: UInt64?) {
        var lines: [Line] = []
        var total: UInt64?
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingPrefix(while: { $0 == " " })
            if line.hasPrefix("#[Max") {
                total = line.split(separator: "=").last.flatMap { UInt64($0.filter(\.isNumber)) }
                continue
            }
            guard let first = line.first, first.isNumber else { continue }
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            guard columns.count >= 3, let value = Double(columns[0]), let percentile = Double(columns[1]), let count = UInt64(columns[2]) else {
                throw SkewlessError(.invalidArgument, "not a percentile-distribution line: '\(raw)'")
            }
            lines.append(Line(value: value, percentile: percentile, totalCount: count))
        }
        return (lines, total)
    }
}
