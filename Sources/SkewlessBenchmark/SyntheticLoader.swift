import Foundation
import NIOCore
import Skewless

/// Writes entities 1...N of one view with `SyntheticValues` into a node (WriteFeatures) or a
/// Redis server (pipelined HSET, one hash per entity): the same values in both.
package struct SyntheticLoader: Sendable {
    package var view: FeatureView
    package var joinKey: String
    package var entities: Int
    package var seed: UInt64
    /// Share of zeros in embeddings (see `SyntheticValues`).
    package var sparsity: Double
    /// Entities per write request or pipelined batch.
    package var batchSize: Int
    /// Requests in flight.
    package var concurrency: Int

    package init(view: FeatureView, joinKey: String, entities: Int, seed: UInt64, sparsity: Double = 0, batchSize: Int = 1000, concurrency: Int = 4)
        throws(SkewlessError)
    {
        guard entities > 0, batchSize > 0, concurrency > 0 else {
            throw SkewlessError(.invalidArgument, "entities, batch size and concurrency must be positive; got \(entities), \(batchSize), \(concurrency)")
        }
        guard (0...1).contains(sparsity) else { throw SkewlessError(.invalidArgument, "the embedding sparsity must be in 0...1; got \(sparsity)") }
        self.view = view
        self.joinKey = joinKey
        self.entities = entities
        self.seed = seed
        self.sparsity = sparsity
        self.batchSize = batchSize
        self.concurrency = concurrency
    }

    /// What a load did.
    package struct Report: Sendable, Hashable, Codable {
        package var target: String
        package var view: String
        package var entities: Int
        package var fields: Int
        package var seconds: Double
        package var entitiesPerSecond: Double { seconds > 0 ? Double(entities) / seconds : 0 }

        package var description: String {
            String(
                format: "loaded %d entities x %d fields of %@ into %@ in %.2f s: %.0f entities/s, %.0f values/s",
                entities, fields, view, target, seconds, entitiesPerSecond, entitiesPerSecond * Double(fields))
        }
    }

    private var batches: [ClosedRange<Int64>] {
        stride(from: 1, through: entities, by: batchSize).map { Int64($0)...Int64(min($0 + batchSize - 1, entities)) }
    }

    package func load(into client: FeatureClient) async throws(SkewlessError) -> Report {
        let batches = batches
        let tickets = TicketCounter()
        let eventTime = WallClock.nowMicros()
        let start = MonotonicClock().now()
        let loader = self
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        while let index = tickets.take(below: batches.count) {
                            let rows = batches[index].map { id in
                                let values = SyntheticValues.row(of: loader.view, id: id, seed: loader.seed, sparsity: loader.sparsity)
                                return FeatureWrite(
                                    entity: [loader.joinKey: .int64(id)], eventTime: eventTime,
                                    values: Dictionary(uniqueKeysWithValues: zip(loader.view.fields.map(\.name), values.map(Optional.some))))
                            }
                            _ = try await client.write(view: loader.view.qualifiedName, rows: rows, timeout: .seconds(60))
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch let error as SkewlessError {
            throw error
        } catch {
            throw SkewlessError(.unknown, "loading the node failed: \(error)")
        }
        return Report(target: "skewless", view: view.qualifiedName, entities: entities, fields: view.fields.count, seconds: Double(MonotonicClock().now() - start) / 1e9)
    }

    package func load(into connections: [RESPConnection]) async throws(SkewlessError) -> Report {
        guard !connections.isEmpty else { throw SkewlessError(.invalidArgument, "no redis connection to load into") }
        let batches = batches
        let tickets = TicketCounter()
        let start = MonotonicClock().now()
        let loader = self
        let names = view.fields.map { Array($0.name.utf8) }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<concurrency {
                    let connection = connections[worker % connections.count]
                    group.addTask {
                        while let index = tickets.take(below: batches.count) {
                            var commands = connection.allocator.buffer(capacity: 0)
                            for id in batches[index] {
                                let values = SyntheticValues.row(of: loader.view, id: id, seed: loader.seed, sparsity: loader.sparsity)
                                commands.writeRESPArrayHeader(2 + 2 * values.count)
                                commands.writeRESPBulkString("HSET")
                                commands.writeRESPBulkString(RedisFeatureCodec.key(view: loader.view, id: id))
                                for (name, value) in zip(names, values) {
                                    commands.writeRESPBulkString(name)
                                    commands.writeRESPBulkString(RedisFeatureCodec.encode(value))
                                }
                            }
                            let replies = try await connection.send(commands, replyCount: batches[index].count, timeout: .seconds(60))
                            if let refusal = replies.first(where: { if case .error = $0 { true } else { false } }) {
                                throw SkewlessError(.failedPrecondition, "redis refused HSET: \(refusal)")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch let error as SkewlessError {
            throw error
        } catch {
            throw SkewlessError(.unknown, "loading redis failed: \(error)")
        }
        return Report(target: "redis", view: view.qualifiedName, entities: entities, fields: view.fields.count, seconds: Double(MonotonicClock().now() - start) / 1e9)
    }
}
