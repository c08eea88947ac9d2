import Foundation
import SkewlessModel

/// Writes what one invocation measured into a folder: `<label>.json` (the report),
/// `<label>.txt` (the table), `<label>-<target>.hgrm` (percentile distributions) and
/// `<label>.svg` (the percentile plot of every run).
package enum BenchmarkOutput {
    /// - Returns: the paths written.
    @discardableResult
    package static func write(_ report: BenchmarkReport, runs: [TargetRun], to directory: String) throws(SkewlessError) -> [String] {
        let folder = URL(fileURLWithPath: directory)
        let base = fileName(report.label)
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
        try save(try report.encoded(), base + ".json")
        try save(Data((ReportTable.text(report) + "\n").utf8), base + ".txt")
        for run in runs where run.result.completed > 0 {
            try save(Data(PercentileDistributionFile.text(of: run.result.latency).utf8), "\(base)-\(fileName(run.target)).hgrm")
        }
        if runs.contains(where: { $0.result.completed > 0 }) {
            let plot = PercentilePlot.svg(
                title: "\(report.label): \(report.workload.shape), \(report.loadModel)",
                series: runs.map { PercentilePlot.Series(name: $0.target, histogram: $0.result.latency) })
            try save(Data(plot.utf8), base + ".svg")
        }
        return written
    }

    /// Letters, digits, '-', '_' and '.'; anything else becomes '-'.
    package static func fileName(_ label: String) -> String {
        String(label.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "-" })
    }
}
