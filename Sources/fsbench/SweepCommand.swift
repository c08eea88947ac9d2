import ArgumentParser
import SkewlessBenchmark

/// `fsbench sweep`: open-loop steps of rising rate until P99 crosses a bound.
struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Step an open-loop rate up and report the sustainable throughput where P99 crosses --p99-bound-ms.")

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "TCP connections per target.")
    var connections: Int = 4

    @Option(help: "At most this many requests in flight per connection.")
    var inFlight: Int = 16

    @Option(help: "First rate, requests per second.")
    var startRate: Double = 2000

    @Option(help: "Rate increment per step.")
    var rateStep: Double = 2000

    @Option(help: "Last rate tried.")
    var maxRate: Double = 40000

    @Option(help: "The P99 latency objective in milliseconds.")
    var p99BoundMs: Double = 1

    @Option(help: "Measured seconds per slice: each step runs --rounds slices per target, the targets alternating.")
    var stepDuration: Double = 3

    @Option(help: "Slices per step and target; a step is judged on its slices merged.")
    var rounds: Int = 3

    @Option(help: "Unmeasured seconds before each step.")
    var warmup: Double = 0.5

    func run() async throws {
        let options = try workload.sessionOptions()
        guard connections > 0, inFlight > 0, p99BoundMs > 0 else { throw ValidationError("--connections, --in-flight and --p99-bound-ms must be positive") }
        let sweep = try RateSweep(
            rates: RateSweep.linearRates(start: startRate, step: rateStep, max: maxRate), p99BoundNanoseconds: UInt64(p99BoundMs * 1_000_000), rounds: rounds)
        let session = try await BenchmarkSession.open(options)
        do {
            let label = workload.label ?? "sweep-\(options.entitiesPerRequest)x"
            let (report, runs) = try await session.sweep(
                label: label, command: CommandLine.joined, sweep: sweep, connections: connections, inFlight: inFlight, warmupSeconds: warmup,
                stepSeconds: stepDuration)
            await session.close()
            try workload.publish(report, runs: runs)
        } catch {
            await session.close()
            throw error
        }
    }
}
