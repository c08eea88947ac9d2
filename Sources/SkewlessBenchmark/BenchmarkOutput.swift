import Foundation
import Histogram
import SkewlessModel

/// Writes what one invocation measured into a folder: `<label>.json` (the report),
/// `<label>.txt` (the table), `<label>-<target>.hgrm` (percentile distributions) and
/// `<label>.svg` (the percentile plot of every run).
package enum BenchmarkOutput {
    /// - Returns: the paths written.
    @discardableResult
    package static func write(_ report: BenchmarkReport, runs: [TargetRun], to directory: String) throws(SkewlessError) -> [String] {
        try write(
            label: report.label, json: try report.encoded(), text: ReportTable.text(report),
            series: runs.map { PercentilePlot.Series(name: $0.target, histogram: $0.result.latency) },
            plotTitle: "\(report.label): \(report.workload.shape), \(report.loadModel)", to: directory)
    }

    /// The files of any report: `<label>.json`, `<label>.txt`, and for every non-empty
    /// series `<label>-<series>.hgrm`, with `<label>.svg` plotting them all.
    /// - Returns: the paths written.
    @discardableResult
    package static func write(
        label: String, json: Data, text: String, series: [PercentilePlot.Series], plotTitle: String, to directory: String
    ) throws(SkewlessError) -> [String] {
        let folder = URL(fileURLWithPath: directory)
        let base = fileName(label)
        var written: [String] = []
        func save(_ data: Data, _ name: String) throws(SkewlessError) {
            let url = folder.appendingPathComponent(name)
            do {
                try data.write(to: url)
            } catch {
                throw SkewlessError(.unavailable, "could not write \(url.path): \(error); check that the folder is writable")
            }
            written.append(url.path)
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw SkewlessError(.unavailable, "could not create \(directory): \(error)")
        }
        try save(json, base + ".json")
        try save(Data((text + "\n").utf8), base + ".txt")
        let drawn = series.filter { $0.histogram.totalCount > 0 }
        for entry in drawn {
            try save(Data(PercentileDistributionFile.text(of: entry.histogram).utf8), "\(base)-\(fileName(entry.name)).hgrm")
        }
        if !drawn.isEmpty {
            try save(Data(PercentilePlot.svg(title: plotTitle, series: drawn).utf8), base + ".svg")
        }
        return written
    }

    /// Letters, digits, '-', '_' and '.'; anything else becomes '-'.
    package static func fileName(_ label: String) -> String {
        String(label.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "-" })
    }

    /// Pretty-printed JSON with sorted keys, as every fsbench report is written.
    package static func json(_ value: some Encodable) throws(SkewlessError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(value)
        } catch {
            throw SkewlessError(.internal, "could not encode the report as JSON: \(error)")
        }
    }
}
