import ArgumentParser
import Foundation
import Skewless

/// `fsbench load`: writes N synthetic entities into a view through WriteFeatures.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Write N synthetic entities (ids 1...N) into a feature view and report the rate.")

    @Option(help: "The node, host:port.")
    var node: String = "127.0.0.1:7421"

    @Option(help: "The view to fill (name or name@version). Its entity must have one int64 join key.")
    var view: String = "bench_float50"

    @Option(help: "How many entities.")
    var entities: Int = 100_000

    @Option(help: "Rows per WriteFeatures request.")
    var batchSize: Int = 1000

    @Option(help: "Write requests in flight.")
    var concurrency: Int = 4

    @Option(help: "Seed of the value generator.")
    var seed: UInt64 = 1

    @Option(help: "The node's process id: report its resident memory before and after.")
    var nodePID: Int32?

    func run() async throws {
        guard let endpoint = Endpoint(node) else { throw ValidationError("--node must be host:port") }
        guard entities > 0, batchSize > 0, concurrency > 0 else { throw ValidationError("--entities, --batch-size and --concurrency must be positive") }
        let client = FeatureClient(configuration: .defaults(endpoint: endpoint) { $0.timeout = .seconds(60) })
        defer { Task { await client.close() } }
        let repo = try await client.describe()
        let target = try repo.featureView(qualified: view)
        let keys = repo.joinKeys(of: target)
        guard keys.count == 1, keys[0].type == .int64 else {
            throw ValidationError("view \(target.qualifiedName) needs one int64 join key for synthetic ids; it has \(keys.map(\.name))")
        }
        let rssBefore = nodePID.flatMap(ResidentMemory.bytes(pid:))
        let start = ContinuousClock.now
        let batches = stride(from: 1, through: entities, by: batchSize).map { $0...min($0 + batchSize - 1, entities) }
        let next = Counter()
        let eventTime = WallClock.nowMicros()
        let written = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var rng = SplitMix64(seed: seed &+ UInt64(worker))
                    var total = 0
                    while let index = next.take(below: batches.count) {
                        let rows = batches[index].map { id in
                            FeatureWrite(
                                entity: [keys[0].name: .int64(Int64(id))], eventTime: eventTime,
                                values: Dictionary(uniqueKeysWithValues: target.fields.map { ($0.name, Optional(SyntheticValues.value(of: $0.type, using: &rng))) }))
                        }
                        total += try await client.write(view: target.qualifiedName, rows: rows).rowsWritten
                    }
                    return total
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
        print("loaded \(written) rows into \(target.qualifiedName) (\(target.fields.count) fields) in \(String(format: "%.2f", seconds)) s: \(Int(Double(entities) / seconds)) rows/s, \(Int(Double(entities * target.fields.count) / seconds)) values/s")
        if let pid = nodePID, let before = rssBefore, let after = ResidentMemory.bytes(pid: pid) {
            let values = Double(entities * target.fields.count)
            print("node RSS: \(before / 1_048_576) MiB before, \(after / 1_048_576) MiB after: \(String(format: "%.2f", Double(after - before) / values)) bytes per feature value, \(String(format: "%.1f", Double(after - before) / Double(entities))) bytes per entity")
        }
    }
}

/// Hands out indexes 0..<n once each across tasks.
final class Counter: Sendable {
    private let value = Mutex(0)

    func take(below limit: Int) -> Int? {
        value.withLock { value in
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

import Synchronization
