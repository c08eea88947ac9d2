import ArgumentParser
import Foundation
import Skewless
import SkewlessBenchmark

/// `fsbench flood`: a good client's latency, idle and then while hostile connections flood the
/// node with malformed frames and connection churn (bench/flood.sh; issue 19's goal: the good
/// client's P99 under the flood at most 3x its idle P99, with no errors).
struct FloodCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flood",
        abstract: "A good client's latency idle, then under a flood of malformed frames and connection churn.")

    @OptionGroup var workload: WorkloadOptions

    @Option(help: "Hostile connections sending malformed frames as fast as they can (reconnecting when closed).")
    var flooders: Int = 50

    @Option(help: "Connections opened and closed in a loop.")
    var churners: Int = 10

    @Option(help: "Event loop threads of the hostile connections.")
    var floodThreads: Int = 1

    @Option(help: "The nice value of the hostile connections' threads (Linux), when fsbench itself runs at another: bench/flood.sh runs the node and fsbench at -15 and the flood at 0, as if the attacker were another machine. Default: fsbench's own.")
    var floodNice: Int32?

    @Option(help: "The good client's requests per second (open loop: latency from each intended send time).")
    var rate: Double = 1_000

    @Option(help: "Requests the good client keeps in flight at most.")
    var inFlight: Int = 4

    @Option(help: "Measured seconds per phase.")
    var duration: Double = 20

    @Option(help: "Unmeasured seconds before each phase.")
    var warmup: Double = 2

    func run() async throws {
        var options = try workload.sessionOptions()
        options.baseline = false
        guard let node = options.nodes.first, options.nodes.count == 1 else { throw ValidationError("flood one node: --node HOST:PORT") }
        guard flooders >= 0, churners >= 0, floodThreads >= 1, rate > 0, inFlight >= 1 else {
            throw ValidationError("--flooders and --churners cannot be negative; --flood-threads, --rate and --in-flight must be positive")
        }
        let model = LoadModel.open(rate: rate, connections: 1, inFlight: inFlight)
        let session = try await BenchmarkSession.open(options)
        let label = workload.label ?? "flood"
        do {
            let (_, idleRuns) = try await session.compare(
                label: "\(label) idle", command: CommandLine.joined, model: model, warmupSeconds: warmup, durationSeconds: duration, rounds: 1)
            var hostile = HostileLoad.Options(host: node.host, port: node.port)
            hostile.flooders = flooders
            hostile.churners = churners
            hostile.threads = floodThreads
            hostile.nice = floodNice
            let load = HostileLoad(hostile)
            load.start()
            let started = ContinuousClock.now
            let flooded: [TargetRun]
            do {
                (_, flooded) = try await session.compare(
                    label: "\(label) flood", command: CommandLine.joined, model: model, warmupSeconds: warmup, durationSeconds: duration, rounds: 1)
            } catch {
                await load.stop()
                throw error
            }
            let seconds = Self.seconds(ContinuousClock.now - started)
            let counts = load.counts
            await load.stop()
            await session.close()
            let idle = idleRuns[0].result, flood = flooded[0].result
            print(Self.table(idle: idle, flood: flood, counts: counts, seconds: seconds, model: model, flooders: flooders, churners: churners))
            if let output = workload.output {
                try Self.json(idle: idle, flood: flood, counts: counts, seconds: seconds, command: CommandLine.joined)
                    .write(toFile: output + "/\(label).json", atomically: true, encoding: .utf8)
            }
        } catch {
            await session.close()
            throw error
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func table(idle: RunResult, flood: RunResult, counts: HostileLoad.Counts, seconds: Double, model: LoadModel, flooders: Int, churners: Int) -> String {
        func us(_ microseconds: Double) -> String { String(format: "%.1f", microseconds) }
        func row(_ name: String, _ result: RunResult) -> String {
            let summary = result.summary
            return "| \(name) | \(result.completed) | \(result.errors) | \(result.timeouts) | \(us(summary.p50)) | \(us(summary.p99)) | \(us(summary.p999)) | \(us(summary.max)) |"
        }
        let ratio = idle.summary.p99 > 0 ? flood.summary.p99 / idle.summary.p99 : 0
        return """
            good client: \(model)
            | phase | requests | errors | timeouts | P50 us | P99 us | P99.9 us | max us |
            |---|---|---|---|---|---|---|---|
            \(row("idle", idle))
            \(row("flood", flood))
            P99 under the flood / idle P99: \(String(format: "%.2f", ratio))x
            flood: \(flooders) connections sending malformed frames + \(churners) churning, over \(String(format: "%.1f", seconds)) s: \
            \(counts.frames) frames handed to the sockets (\(Int(Double(counts.frames) / max(seconds, 1e-9))) /s; what the node did not read died with the connection), \
            \(counts.connections) connections opened (\(Int(Double(counts.connections) / max(seconds, 1e-9))) /s), \
            \(counts.answerBytes) answer bytes read, \(counts.failedConnects) failed connects
            """
    }

    static func json(idle: RunResult, flood: RunResult, counts: HostileLoad.Counts, seconds: Double, command: String) throws -> String {
        struct Phase: Encodable {
            var requests: Int
            var errors: Int
            var timeouts: Int
            var latency: LatencySummary
            init(_ result: RunResult) {
                requests = result.completed
                errors = result.errors
                timeouts = result.timeouts
                latency = result.summary
            }
        }
        struct Report: Encodable {
            var command: String
            var idle: Phase
            var flood: Phase
            var p99Ratio: Double
            var floodSeconds: Double
            var framesWritten: UInt64
            var connectionsOpened: UInt64
            var failedConnects: UInt64
        }
        let report = Report(
            command: command, idle: Phase(idle), flood: Phase(flood), p99Ratio: idle.summary.p99 > 0 ? flood.summary.p99 / idle.summary.p99 : 0,
            floodSeconds: seconds, framesWritten: counts.frames, connectionsOpened: counts.connections, failedConnects: counts.failedConnects)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
