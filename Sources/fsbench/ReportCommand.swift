import ArgumentParser
import Foundation
import SkewlessBenchmark

/// `fsbench report`: the Markdown tables of bench/README.md from a folder of JSON reports.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print the Markdown tables (runs side by side, sweeps, memory, goals) of the fsbench JSON reports in a folder.")

    @Argument(help: "A folder of fsbench JSON reports (bench/results/DATE).")
    var folder: String

    @Option(help: "The report the latency goal is judged on (1 x 50, one connection).")
    var latencyGoal: String?

    @Option(help: "The report the throughput goal is judged on (requests in flight).")
    var throughputGoal: String?

    @Option(help: "The rate sweep the open-loop goal is judged on (sustainable throughput at least 2x Redis's).")
    var sweepGoal: String?

    @Option(help: "The report the embedding goal is judged on (P50 at most 0.8x Redis's).")
    var embeddingGoal: String?

    func run() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
        let reports = try names.map { try BenchmarkReport.decode(Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent($0))) }
            .sorted { $0.date < $1.date }
        print(MarkdownSummary.markdown(reports, goals: .init(latencyLabel: latencyGoal, throughputLabel: throughputGoal, sweepLabel: sweepGoal, embeddingLabel: embeddingGoal)), terminator: "")
    }
}
