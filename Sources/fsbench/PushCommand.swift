import ArgumentParser
import Skewless
import SkewlessBenchmark

/// `fsbench push`: rows per second into one node (or a cluster) through the SDK's `write`,
/// with Redis (`appendfsync always`) taking the same rows side by side.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push throughput: batches of float rows through the SDK's write, Redis (AOF, appendfsync always) side by side with --baseline redis.",
        discussion: """
            Closed loop: --in-flight batches await their acknowledgements at any time; each
            acknowledged batch is replaced by the next. Reports rows/s and per-batch
            acknowledgement latency for each target, alternating them over --rounds.
            For a durable node, start fsnode with --segments DIR on the disk Redis's
            --redis-dir is on.
            """)

    @Option(name: [.customLong("node"), .customLong("nodes")], help: "The node, host:port; or a cluster's seeds, comma-separated (writes are routed by the SDK).")
    var node: String = "127.0.0.1:7421"

    @Option(help: "The view to write: float fields, one int64 join key.")
    var view: String = "bench_float10"

    @Option(help: "Rows per batch (one write call, one Redis pipeline).")
    var batchRows: Int = 10_000

    @Option(help: "Batches awaiting acknowledgement per target.")
    var inFlight: Int = 4

    @Option(help: "Connections per target; the batches in flight are spread over them.")
    var connections: Int = 1

    @Option(help: "Rows per target over all rounds (rounded up to whole batches). Or --seconds.")
    var rows: Int?

    @Option(help: "Seconds per target over all rounds (the default: 10). Or --rows.")
    var seconds: Double?

    @Option(help: "Unmeasured seconds per target before.")
    var warmup: Double = 2

    @Option(help: "The measured amount is cut into this many rounds, targets alternating.")
    var rounds: Int = 2

    @Option(help: "Entity ids cycle over 1...key-space.")
    var keySpace: Int = 1_000_000

    @Option(help: "Seed of the values.")
    var seed: UInt64 = 42

    @Option(help: "Per-batch deadline in milliseconds.")
    var timeoutMs: Int = 30_000

    @Option(help: "Run a baseline side by side: redis.")
    var baseline: String?

    @Option(help: "Use this Redis (host:port) instead of starting redis-server (its persistence is reported as configured).")
    var redis: String?

    @Option(help: "The redis-server to start for the baseline.")
    var redisServer: String = "redis-server"

    @Option(help: "Where the started redis-server keeps its append-only file (a fresh directory inside it, removed after); default: the temporary directory.")
    var redisDir: String?

    @Option(help: "Write <label>.json, .txt, -<target>.hgrm and .svg into this folder.")
    var output: String?

    @Option(help: "A name for this run in outputs.")
    var label: String = "push"

    func run() async throws {
        let endpoints = try Endpoint.list(node)
        guard baseline == nil || baseline == "redis" else { throw ValidationError("--baseline knows one baseline: redis") }
        guard batchRows > 0, inFlight > 0, connections > 0, rounds > 0, warmup >= 0, timeoutMs > 0 else {
            throw ValidationError("--batch-rows, --in-flight, --connections, --rounds and --timeout-ms must be positive, --warmup not negative")
        }
        var options = PushBenchmark.Options(nodes: endpoints)
        switch (rows, seconds) {
        case (let rows?, nil): options.amount = .rows(rows)
        case (nil, let seconds?): options.amount = .seconds(seconds)
        case (nil, nil): options.amount = .seconds(10)
        default: throw ValidationError("give --rows or --seconds, not both")
        }
        options.view = view
        options.rowsPerBatch = batchRows
        options.inFlight = inFlight
        options.connections = connections
        options.warmupSeconds = warmup
        options.rounds = rounds
        options.keySpace = keySpace
        options.seed = seed
        options.timeout = .milliseconds(timeoutMs)
        options.baseline = baseline == "redis"
        options.redisAddress = redis
        options.redisExecutable = redisServer
        options.redisDirectory = redisDir
        options.label = label
        options.command = CommandLine.joined
        let (report, runs) = try await PushBenchmark(options).run()
        print(report.text)
        if let output {
            try BenchmarkOutput.write(
                label: report.label, json: BenchmarkOutput.json(report), text: report.text,
                series: runs.map { PercentilePlot.Series(name: "\($0.target) ack", histogram: $0.result.batches.latency) },
                plotTitle: "\(report.label): acknowledgement of \(report.rowsPerBatch)-row batches, \(report.inFlight) in flight", to: output)
        }
        if runs.contains(where: { $0.result.batches.completed == 0 }) { throw ExitCode.failure }
    }
}

extension Endpoint {
    /// "host:port" or several separated by commas.
    static func list(_ text: String) throws -> [Endpoint] {
        let endpoints = text.split(separator: ",").map { Endpoint(String($0)) }
        guard !endpoints.isEmpty, endpoints.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--node must be host:port, or several separated by commas")
        }
        return endpoints.compactMap { $0 }
    }
}
