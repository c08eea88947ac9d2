import ArgumentParser
import SkewlessBenchmark

/// `fsbench run`: one workload under one load model, against the node and the baseline alternately.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Latency and throughput of GetOnlineFeatures, closed loop or open loop at --rate, Redis side by side with --baseline redis.")

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "TCP connections per target.")
    var connections: Int = 1

    @Option(help: "Requests in flight per connection (open loop: at most).")
    var inFlight: Int = 1

    @Option(help: "Open loop: requests per second, latency counted from each intended send time. Closed loop without it.")
    var rate: Double?

    @Option(help: "Measured seconds per target.")
    var duration: Double = 10

    @Option(help: "Unmeasured seconds per target before.")
    var warmup: Double = 2

    @Option(help: "The measured time is cut into this many rounds, targets alternating.")
    var rounds: Int = 4

    func run() async throws {
        let options = try workload.sessionOptions()
        guard connections > 0, inFlight > 0 else { throw ValidationError("--connections and --in-flight must be positive") }
        let model: LoadModel = rate.map { .open(rate: $0, connections: connections, inFlight: inFlight) } ?? .closed(connections: connections, inFlight: inFlight)
        let session = try await BenchmarkSession.open(options)
        do {
            let label = workload.label ?? "\(options.entitiesPerRequest)x-c\(connections)-f\(inFlight)\(rate.map { "-r\(Int($0))" } ?? "")"
            let (report, runs) = try await session.compare(
                label: label, command: CommandLine.joined, model: model, warmupSeconds: warmup, durationSeconds: duration, rounds: rounds)
            await session.close()
            try workload.publish(report, runs: runs)
            if runs.contains(where: { $0.result.completed == 0 }) { throw ExitCode.failure }
        } catch {
            await session.close()
            throw error
        }
    }
}
