import ArgumentParser
import Skewless
import SkewlessBenchmark

/// `fsbench freshness`: from a write's send until every replica of its partition serves
/// the new value, at a modest fixed rate of one-row writes.
struct FreshnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "freshness",
        abstract: "Event-to-servable latency: one-row writes at --rate, each read back from every replica of its partition.",
        discussion: """
            Each write carries a value never written before; fsbench reads it back from each
            replica directly (a client per node, by the cluster map) from the send on, every
            --poll-us at first, and counts the time until the last replica served it.
            """)

    @Option(name: [.customLong("node"), .customLong("nodes")], help: "The node, host:port; or a cluster's nodes, comma-separated.")
    var node: String = "127.0.0.1:7421"

    @Option(help: "The view to write: float fields, one int64 join key; the first field carries the value read back.")
    var view: String = "bench_float10"

    @Option(help: "Writes per second.")
    var rate: Double = 200

    @Option(help: "Measured seconds.")
    var seconds: Double = 10

    @Option(help: "Unmeasured seconds of writes first.")
    var warmup: Double = 1

    @Option(help: "Microseconds between two reads of one replica while polling, over the first 5 ms (then a fiftieth of the time since the send, at most 20 ms).")
    var pollUs: Int = 100

    @Option(help: "Milliseconds a replica may take to serve a written value before it counts as not served.")
    var visibilityTimeoutMs: Int = 1000

    @Option(help: "Writes probed at once at most.")
    var maxOutstanding: Int = 256

    @Option(help: "Entities written (ids from 2,000,000,000); more than --max-outstanding.")
    var keySpace: Int = 10_000

    @Option(help: "The P99 goal in milliseconds (default: 5 on one node, 10 in a cluster).")
    var p99GoalMs: Double?

    @Option(help: "Write <label>.json, .txt, -<series>.hgrm and .svg into this folder.")
    var output: String?

    @Option(help: "A name for this run in outputs.")
    var label: String = "freshness"

    func run() async throws {
        guard rate > 0, seconds > 0, warmup >= 0, pollUs >= 0, visibilityTimeoutMs > 0, maxOutstanding > 0 else {
            throw ValidationError("--rate, --seconds, --visibility-timeout-ms and --max-outstanding must be positive; --warmup and --poll-us not negative")
        }
        var options = FreshnessBenchmark.Options(nodes: try Endpoint.list(node))
        options.view = view
        options.rate = rate
        options.seconds = seconds
        options.warmupSeconds = warmup
        options.pollInterval = .microseconds(pollUs)
        options.visibilityTimeout = .milliseconds(visibilityTimeoutMs)
        options.maxOutstanding = maxOutstanding
        options.keySpace = keySpace
        options.p99GoalMicros = p99GoalMs.map { $0 * 1000 }
        options.label = label
        options.command = CommandLine.joined
        let (report, result) = try await FreshnessBenchmark(options).run()
        print(report.text)
        if let output {
            try BenchmarkOutput.write(
                label: report.label, json: BenchmarkOutput.json(report), text: report.text,
                series: [
                    PercentilePlot.Series(name: "served everywhere", histogram: result.visibleEverywhere),
                    PercentilePlot.Series(name: "served somewhere", histogram: result.visibleSomewhere),
                    PercentilePlot.Series(name: "acknowledged", histogram: result.acknowledged),
                ],
                plotTitle: "\(report.label): from a write's send, \(report.placement)", to: output)
        }
        if report.probes == 0 || report.writeErrors == report.probes { throw ExitCode.failure }
    }
}
