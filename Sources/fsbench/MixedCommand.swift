import ArgumentParser
import SkewlessBenchmark

/// `fsbench mixed`: the reads of `fsbench run`, measured idle and while a paced write
/// stream goes into another view of the same node (and of Redis, with --baseline redis).
struct MixedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixed",
        abstract: "Reads idle and while a write stream is pushed into another view of the same node, Redis (AOF, appendfsync always) side by side with --baseline redis.",
        discussion: """
            The reads are fsbench run's (closed loop by default: 1 connection x 1 in flight).
            The stream is open loop: --stream-batch-rows rows every batch-rows/stream-rate
            seconds (500 rows every 10 ms by default), through the SDK's write; it starts
            half a second before each loaded slice and stops after it.
            """)

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "TCP connections per target for the reads.")
    var connections: Int = 1

    @Option(help: "Reads in flight per connection.")
    var inFlight: Int = 1

    @Option(help: "Measured seconds per target and phase (idle, under writes).")
    var duration: Double = 8

    @Option(help: "Unmeasured seconds of reads per target before.")
    var warmup: Double = 2

    @Option(help: "The measured time is cut into this many rounds, targets and phases alternating.")
    var rounds: Int = 4

    @Option(help: "The view the stream writes into: float fields, one int64 join key, not one the reads read.")
    var streamView: String = "bench_float10"

    @Option(help: "Rows per second the stream writes.")
    var streamRate: Double = 50_000

    @Option(help: "Rows per stream batch.")
    var streamBatchRows: Int = 500

    @Option(help: "Stream batches awaiting acknowledgement at most.")
    var streamInFlight: Int = 8

    @Option(help: "The stream's entity ids cycle over 1...stream-key-space.")
    var streamKeySpace: Int = 1_000_000

    @Option(help: "Per stream batch deadline in milliseconds.")
    var streamTimeoutMs: Int = 10_000

    @Option(help: "Where the started redis-server keeps its append-only file (a fresh directory inside it, removed after); default: the temporary directory.")
    var redisDir: String?

    func run() async throws {
        var options = try workload.sessionOptions()
        guard connections > 0, inFlight > 0, streamInFlight > 0, streamTimeoutMs > 0 else {
            throw ValidationError("--connections, --in-flight, --stream-in-flight and --stream-timeout-ms must be positive")
        }
        options.redisPersistence = .appendFsyncAlways
        options.redisDirectory = redisDir
        let pace = try StreamPace(rowsPerSecond: streamRate, batchRows: streamBatchRows)
        let session = try await BenchmarkSession.open(options)
        do {
            let label = workload.label ?? "mixed-\(options.entitiesPerRequest)x"
            let (report, runs) = try await session.mixed(
                label: label, command: CommandLine.joined, model: .closed(connections: connections, inFlight: inFlight), streamView: streamView,
                pace: pace, streamInFlight: streamInFlight, streamKeySpace: streamKeySpace, streamTimeout: .milliseconds(streamTimeoutMs),
                warmupSeconds: warmup, durationSeconds: duration, rounds: rounds)
            await session.close()
            print(report.text)
            if let output = workload.output {
                try BenchmarkOutput.write(
                    label: report.label, json: BenchmarkOutput.json(report), text: report.text,
                    series: runs.flatMap { run in
                        [
                            PercentilePlot.Series(name: "\(run.target) idle", histogram: run.idle.latency),
                            PercentilePlot.Series(name: "\(run.target) under writes", histogram: run.loaded.latency),
                        ]
                    },
                    plotTitle: "\(report.label): \(report.workload.shape) idle and under \(report.stream)", to: output)
            }
            if runs.contains(where: { $0.idle.completed == 0 || $0.loaded.completed == 0 }) { throw ExitCode.failure }
        } catch {
            await session.close()
            throw error
        }
    }
}
