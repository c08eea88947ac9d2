import Foundation
import Skewless
import SkewlessCluster
import SkewlessModel
import SkewlessServer
import Testing

/// A node given a map that takes partitions away drops their rows and keeps every other row
/// whole: every type, nulls, event times and compressed embeddings.
@Suite(.timeLimit(.minutes(1)))
struct PartitionDropTests {
    typealias Fixture = ClusterNodeFixture

    static let profileFeatures = [
        "is_premium", "age", "lifetime_orders", "avg_order_value", "credit_score",
        "country", "avatar_hash", "last_login", "recent_item_ids", "segments",
    ].map { "user_profile@1:" + $0 }
    static let itemFeatures = ["item_embedding:embedding", "item_embedding:category"]

    /// What a read returns for one feature of one row: its status and value.
    struct Served: Hashable {
        var status: ValueStatus?
        var value: FeatureValue?
    }

    static func read(_ client: FeatureClient, features: [String], key: String, ids: [Int64]) async throws -> [[Served]] {
        let rows = try await client.getOnlineFeatures(features: features, entities: ids.map { [key: .int64($0)] }).rows
        return rows.map { row in features.map { Served(status: row.status($0), value: row.value($0)) } }
    }

    @Test func droppingPartitionsKeepsTheOtherRowsWhole() async throws {
        try await Fixture.withDirectory { directory in
            let map = try Fixture.map(["node-a", "node-b"], partitions: 16)
            let mine = Set(map.partitionsHeld(by: try NodeID("node-a")))
            let ids = Array(Int64(1)...48)
            let kept = ids.filter { mine.contains(map.partitioner.partition(ofInt64: $0)) }
            let now = WallClock.nowMicros()
            try await Fixture.withNode("node-a", mapPath: directory + "/map.json") { node in
                let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(10) })
                // Standalone until the map arrives: it takes writes for every key.
                _ = try await client.write(view: "user_profile@1", rows: ids.map { id in
                    var values: [String: FeatureValue?] = [
                        "is_premium": .bool(id % 2 == 0), "age": .int32(Int32(20 + id)), "lifetime_orders": .int64(id * 10),
                        "avg_order_value": .float(Float(id) / 4), "country": .string("c-\(id)"), "avatar_hash": .bytes([UInt8(id), 0, 255]),
                        "last_login": .timestamp(now - id), "recent_item_ids": .int64List([id, id + 1]),
                    ]
                    if id % 3 != 0 {  // every third row has these two null
                        values["credit_score"] = .double(Double(id) * 1.5)
                        values["segments"] = .stringList(["s\(id)", "vip"])
                    }
                    return FeatureWrite(entity: ["user_id": .int64(id)], eventTime: now - 1_000 * id, values: values)
                })
                _ = try await client.write(view: "item_embedding", rows: ids.map { id in
                    var vector = [Float](repeating: 0, count: 64)
                    vector[Int(id) % 64] = Float(id)
                    return FeatureWrite(entity: ["item_id": .int64(id)], eventTime: now, values: ["embedding": .embedding(vector), "category": .string("k\(id)")])
                })
                let profiles = try await Self.read(client, features: Self.profileFeatures, key: "user_id", ids: kept)
                let items = try await Self.read(client, features: Self.itemFeatures, key: "item_id", ids: kept)

                try await Fixture.install(map, on: node)
                for _ in 0..<500 where node.server.store.entityRowCount > 2 * kept.count {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(node.server.store.entityRowCount == 2 * kept.count)
                #expect(try await Self.read(client, features: Self.profileFeatures, key: "user_id", ids: kept) == profiles)
                #expect(try await Self.read(client, features: Self.itemFeatures, key: "item_id", ids: kept) == items)
                #expect(profiles.contains { $0[4].status == .nullValue })
                await client.close()
            }
        }
    }
}
