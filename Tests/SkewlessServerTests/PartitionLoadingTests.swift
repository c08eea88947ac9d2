import Foundation
import Skewless
import SkewlessCluster
import SkewlessModel
import SkewlessServer
import Testing

/// A cluster node fills its partitions from real segment files: only its own, again after a
/// restart, and the ones a rebalance brings it; MATERIALIZE keeps to them too.
@Suite(.timeLimit(.minutes(1)))
struct PartitionLoadingTests {
    typealias Fixture = ClusterNodeFixture

    /// Segments with txn_count_1h = 7 for 64 users spread over all 16 partitions of `map`.
    static func withSegments<T>(_ map: ClusterMap, _ body: (_ directory: String, _ users: [Int64]) async throws -> T) async throws -> T {
        try await Fixture.withDirectory { directory in
            let users = Fixture.users(in: 0..<16, of: map, count: 64)
            try Fixture.ingest(directory + "/segments", users: users, count: 7, eventTime: WallClock.nowMicros() - ClusterNodeFixture.hour)
            return try await body(directory, users)
        }
    }

    @Test func aNodeLoadsOnlyItsPartitionsFromTheSegments() async throws {
        let map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        let mine = map.partitionsHeld(by: try NodeID("node-a"))
        try await Self.withSegments(map) { directory, users in
            let own = users.filter { mine.contains(map.partitioner.partition(ofInt64: $0)) }
            let foreign = users.filter { !own.contains($0) }
            try await Fixture.withNode("node-a", mapPath: directory + "/map.json", segments: directory + "/segments") { node in
                try await Fixture.install(map, on: node)
                try await Fixture.waitUntilLoaded(node, mine, epoch: 1)
                #expect(node.server.store.entityRowCount == own.count)
                #expect(try await Fixture.counts(node, users: own) == own.map { _ in 7 })
                #expect(try await Fixture.read(node, users: foreign).status.code == .aborted)
            }
        }
    }

    @Test func aRestartedNodeReReplicatesItsPartitionsFromTheSegments() async throws {
        let map = try Fixture.map(["node-a", "node-b", "node-c"], partitions: 16, replicas: 2)
        let mine = map.partitionsHeld(by: try NodeID("node-c"))
        try await Self.withSegments(map) { directory, users in
            let own = users.filter { mine.contains(map.partitioner.partition(ofInt64: $0)) }
            let path = directory + "/map.json"
            try await Fixture.withNode("node-c", mapPath: path, segments: directory + "/segments") { node in
                try await Fixture.install(map, on: node)
                try await Fixture.waitUntilLoaded(node, mine, epoch: 1)
            }
            try await Fixture.withNode("node-c", mapPath: path, segments: directory + "/segments") { node in
                try await Fixture.waitUntilLoaded(node, mine, epoch: 1)
                #expect(node.server.store.entityRowCount == own.count)
                #expect(try await Fixture.counts(node, users: own) == own.map { _ in 7 })
            }
        }
    }

    @Test func partitionsARebalanceBringsAreLoadedBeforeTheyAreListedAsLoaded() async throws {
        var map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        let a = try NodeID("node-a")
        let before = map.partitionsHeld(by: a)
        try await Self.withSegments(map) { directory, users in
            try await Fixture.withNode("node-a", mapPath: directory + "/map.json", segments: directory + "/segments") { node in
                try await Fixture.install(map, on: node)
                try await Fixture.waitUntilLoaded(node, before, epoch: map.epoch)
                // node-b leaves: its partitions move to node-a, which loads them from the segments.
                try map.begin(map.planRemoveNode(try NodeID("node-b")))
                let incoming = map.moves.map(\.partition)
                #expect(Set(incoming).isDisjoint(with: before))
                try await Fixture.install(map, on: node)
                try await Fixture.waitUntilLoaded(node, before + incoming, epoch: map.epoch)
                #expect(node.server.store.entityRowCount == users.count)
                // Incoming partitions answer reads only after the flip.
                let moved = users.filter { incoming.contains(map.partitioner.partition(ofInt64: $0)) }
                #expect(try await Fixture.read(node, users: moved).status.code == .aborted)
                _ = try map.markLoaded()
                try map.flip(nowMicros: WallClock.nowMicros())
                try await Fixture.install(map, on: node)
                #expect(try await Fixture.counts(node, users: users) == users.map { _ in 7 })
            }
        }
    }

    @Test func materializeOnAClusterNodeLoadsOnlyItsPartitions() async throws {
        let map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        let mine = map.partitionsHeld(by: try NodeID("node-b"))
        try await Self.withSegments(map) { directory, users in
            let own = users.filter { mine.contains(map.partitioner.partition(ofInt64: $0)) }
            try await Fixture.withNode("node-b", mapPath: directory + "/map.json", segments: directory + "/segments") { node in
                try await Fixture.install(map, on: node)
                try await Fixture.waitUntilLoaded(node, mine, epoch: 1)
                let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(10) })
                let loaded = try await client.materialize(views: [], full: true, timeout: .seconds(30))
                await client.close()
                #expect(loaded.map(\.rowsScanned).reduce(0, +) == users.count)
                #expect(node.server.store.entityRowCount == own.count)
            }
        }
    }
}
