import ArgumentParser
import Foundation
import Histogram
import Skewless

/// `fsbench run`: a closed-loop load: C connections, each with M requests in flight; every
/// request fetches features for a batch of entities with uniformly random ids.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Closed-loop latency and throughput of GetOnlineFeatures.")

    @Option(help: "The node, host:port.")
    var node: String = "127.0.0.1:7421"

    @Option(help: "A feature service to fetch.")
    var service: String?

    @Option(help: "Or a comma-separated feature list (view:field,...).")
    var features: String?

    @Option(help: "The int64 join key the entities are given by.")
    var joinKey: String = "user_id"

    @Option(help: "Entities per request.")
    var batch: Int = 1

    @Option(help: "Entity ids are drawn uniformly from 1...key-space.")
    var keySpace: Int = 100_000

    @Option(help: "TCP connections.")
    var connections: Int = 1

    @Option(help: "Requests in flight per connection.")
    var inFlight: Int = 1

    @Option(help: "Measured seconds.")
    var duration: Double = 10

    @Option(help: "Unmeasured seconds before.")
    var warmup: Double = 2

    @Option(help: "Per-request deadline in milliseconds.")
    var timeoutMs: Int = 1000

    @Option(help: "Seed for the key generator.")
    var seed: UInt64 = 42

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    @Option(help: "A label for this run in the output.")
    var label: String?

    func run() async throws {
        guard let endpoint = Endpoint(node) else { throw ValidationError("--node must be host:port") }
        guard (service == nil) != (features == nil) else { throw ValidationError("give exactly one of --service or --features") }
        guard batch > 0, keySpace > 0, connections > 0, inFlight > 0, duration > 0, warmup >= 0 else {
            throw ValidationError("--batch, --key-space, --connections, --in-flight and --duration must be positive")
        }
        let request = BenchRequest(service: service, features: features?.split(separator: ",").map(String.init), joinKey: joinKey, batch: batch, keySpace: keySpace)
        let clients = (0..<connections).map { _ in
            FeatureClient(configuration: .defaults(endpoint: endpoint) {
                $0.connectionsPerNode = 1
                $0.timeout = .milliseconds(timeoutMs)
            })
        }
        // Open every connection before the clock starts.
        for client in clients { _ = try await client.health() }
        if warmup > 0 {
            _ = await measure(clients: clients, request: request, seconds: warmup, seedOffset: 1_000_000)
        }
        let result = await measure(clients: clients, request: request, seconds: duration, seedOffset: 0)
        for client in clients { await client.close() }

        let title = label ?? "\(service ?? "features") batch=\(batch) connections=\(connections) in-flight=\(inFlight)"
        print(result.table(title: title))
        if let json {
            try result.json(title: title, configuration: [
                "node": node, "service": service ?? "", "features": features ?? "", "batch": "\(batch)", "key_space": "\(keySpace)",
                "connections": "\(connections)", "in_flight": "\(inFlight)", "duration_s": "\(duration)", "warmup_s": "\(warmup)", "seed": "\(seed)",
            ]).write(to: URL(fileURLWithPath: json))
        }
        if result.completed == 0 {
            throw ExitCode.failure
        }
    }

    private func measure(clients: [FeatureClient], request: BenchRequest, seconds: Double, seedOffset: UInt64) async -> BenchResult {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let start = ContinuousClock.now
        let workers = await withTaskGroup(of: BenchResult.self) { group in
            for (c, client) in clients.enumerated() {
                for m in 0..<inFlight {
                    let workerSeed = seed &+ seedOffset &+ UInt64(c * inFlight + m) &* 7919
                    group.addTask {
                        await Self.worker(client: client, request: request, until: end, seed: workerSeed)
                    }
                }
            }
            var results: [BenchResult] = []
            for await result in group { results.append(result) }
            return results
        }
        var total = BenchResult()
        for worker in workers { total.add(worker) }
        total.elapsedSeconds = Double((ContinuousClock.now - start).components.seconds) + Double((ContinuousClock.now - start).components.attoseconds) / 1e18
        return total
    }

    private static func worker(client: FeatureClient, request: BenchRequest, until end: ContinuousClock.Instant, seed: UInt64) async -> BenchResult {
        var rng = SplitMix64(seed: seed)
        var result = BenchResult()
        while ContinuousClock.now < end {
            let entities = (0..<request.batch).map { _ in [request.joinKey: KeyPart.int64(Int64.random(in: 1...Int64(request.keySpace), using: &rng))] }
            let sent = DispatchTime.now().uptimeNanoseconds
            do {
                if let service = request.service {
                    _ = try await client.getOnlineFeatures(service: service, entities: entities)
                } else {
                    _ = try await client.getOnlineFeatures(features: request.features ?? [], entities: entities)
                }
                result.record(nanoseconds: DispatchTime.now().uptimeNanoseconds - sent)
            } catch where error.code == .deadlineExceeded {
                result.timeouts += 1
            } catch {
                result.errors += 1
                if result.firstError == nil { result.firstError = "\(error)" }
            }
        }
        return result
    }
}

struct BenchRequest: Sendable {
    var service: String?
    var features: [String]?
    var joinKey: String
    var batch: Int
    var keySpace: Int
}
