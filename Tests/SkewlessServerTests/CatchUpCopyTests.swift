import Foundation
import NIOCore
import NIOPosix
import SkewlessCluster
import SkewlessModel
import SkewlessServer
import SkewlessWire
import Testing

/// The `catching_up` phase between real nodes on 127.0.0.1: the incoming node copies the
/// moving partitions' rows from a current replica (EXPORT_ROWS) through the write rule, so
/// rows written directly to the old owner (never in the segments) survive the move, a newer
/// row the new owner already has is kept, and a replica that is down or sends garbage is
/// skipped for the next one.
@Suite(.timeLimit(.minutes(1)))
struct CatchUpCopyTests {
    typealias Fixture = ClusterNodeFixture

    static func address(_ node: TestNode) throws -> NodeAddress {
        try NodeAddress(host: "127.0.0.1", port: node.port)
    }

    /// Polls GET_CLUSTER_MAP until the node reports every partition of `partitions` caught up.
    static func waitUntilCaughtUp(_ node: TestNode, _ partitions: some Sequence<Int>, epoch: UInt64) async throws {
        let wanted = Set(partitions.map { UInt32($0) })
        for _ in 0..<1000 {
            let status = try await Fixture.getMap(node)
            if status.epoch == epoch, wanted.isSubset(of: status.caughtUpPartitions) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("node did not catch up on partitions \(wanted.sorted()) at epoch \(epoch) within 10s")
    }

    static func install(_ map: ClusterMap, on nodes: TestNode...) async throws {
        for node in nodes {
            try await Fixture.install(map, on: node)
        }
    }

    @Test func rowsWrittenOnlyToTheOldOwnerAreServedByTheNewOwnerAfterTheMove() async throws {
        try await Fixture.withDirectory { directory in
            let segments = directory + "/segments"
            let now = WallClock.nowMicros()
            try await Fixture.withNode("node-a", mapPath: directory + "/a.json", segments: segments) { oldOwner in
                try await Fixture.withNode("node-b", mapPath: directory + "/b.json", segments: segments) { newOwner in
                    var map = try ClusterMap.create(
                        nodes: [ClusterNode(id: NodeID("node-a"), address: Self.address(oldOwner))], partitionCount: 16, replicationFactor: 1)
                    let users = Fixture.users(in: 0..<16, of: map, count: 96)
                    // A third of the users are in the segments (count 7, an hour ago).
                    let segmentUsers = Array(users.prefix(32))
                    try Fixture.ingest(segments, users: segmentUsers, count: 7, eventTime: now - ClusterNodeFixture.hour)
                    try await Self.install(map, on: oldOwner)
                    try await Fixture.waitUntilLoaded(oldOwner, 0..<16, epoch: map.epoch)

                    // Direct writes to the old owner only, never ingested: newer values for
                    // half the segment users, and users the segments do not know at all.
                    let direct = Array(users[16..<96])
                    #expect(try await Fixture.write(oldOwner, users: direct, count: 20, eventTime: now - 600_000_000).status.code == .ok)

                    try map.begin(map.planAddNode(ClusterNode(id: NodeID("node-b"), address: Self.address(newOwner))))
                    let moving = map.moves.map(\.partition)
                    #expect(!moving.isEmpty)
                    try await Self.install(map, on: newOwner, oldOwner)
                    try await Fixture.waitUntilLoaded(newOwner, moving, epoch: map.epoch)
                    let movingUsers = users.filter { moving.contains(map.partitioner.partition(ofInt64: $0)) }
                    let movingDirect = movingUsers.filter { direct.contains($0) }
                    let movingSegmentOnly = movingUsers.filter { !direct.contains($0) }
                    #expect(!movingDirect.isEmpty && !movingSegmentOnly.isEmpty)
                    // The segments alone gave the new owner only the segment users.
                    #expect(newOwner.server.store.entityRowCount == movingUsers.filter(segmentUsers.contains).count)

                    // From the loading epoch writes go to both; one reaches only the new owner
                    // (the old owner was briefly unreachable): the newest row must stay.
                    let newest = try #require(movingDirect.first)
                    #expect(try await Fixture.write(newOwner, users: [newest], count: 99, eventTime: now).status.code == .ok)

                    try map.markLoaded()
                    try await Self.install(map, on: newOwner, oldOwner)
                    try await Self.waitUntilCaughtUp(newOwner, moving, epoch: map.epoch)
                    #expect(try await Fixture.getMap(oldOwner).caughtUpPartitions.isEmpty)

                    try map.flip(nowMicros: WallClock.nowMicros(), gracePeriodMicros: ClusterNodeFixture.hour)
                    try await Self.install(map, on: newOwner, oldOwner)
                    let counts = try await Fixture.counts(newOwner, users: movingUsers)
                    let expected: [Int64?] = movingUsers.map { user in
                        user == newest ? 99 : direct.contains(user) ? 20 : 7
                    }
                    #expect(counts == expected)
                    // The flip ends the caught-up report.
                    #expect(try await Fixture.getMap(newOwner).caughtUpPartitions.isEmpty)
                }
            }
        }
    }

    /// A raw WriteFeatures of txn_count_1h = `count` for `users`, now, routed by map `mapEpoch`.
    static func write(_ node: TestNode, users: [Int64], count: Int64, mapEpoch: UInt64) async throws -> Skewless_V1_ResponseFrame {
        try await Fixture.write(node, users: users, count: count, eventTime: WallClock.nowMicros(), mapEpoch: mapEpoch)
    }

    @Test func aWriteRoutedByAMapOlderThanAMoveIsRefusedSoTheWriterRefreshes() async throws {
        try await Fixture.withDirectory { directory in
            var map = try Fixture.map(["node-a"], partitions: 16)
            try await Fixture.withNode("node-a", mapPath: directory + "/a.json") { node in
                try await Fixture.install(map, on: node)
                let stale = map.epoch
                try map.begin(map.planAddNode(ClusterNode(id: NodeID("node-b"), address: NodeAddress(host: "127.0.0.1", port: 7501))))
                try await Fixture.install(map, on: node)
                let moving = map.moves.map(\.partition)
                let still = Array(Set(0..<16).subtracting(moving))
                let movingUsers = Fixture.users(in: moving, of: map, count: 4)
                let stillUsers = Fixture.users(in: still, of: map, count: 4)

                // The old map does not send these rows to node-b: refused, naming the moving partitions.
                let refused = try await Self.write(node, users: stillUsers + movingUsers, count: 1, mapEpoch: stale)
                #expect(refused.status.code == .aborted)
                #expect(refused.status.wrongShard.epoch == map.epoch)
                #expect(refused.status.wrongShard.partitions == Set(movingUsers.map(map.partitioner.partition(ofInt64:))).sorted().map { UInt32($0) })
                #expect(refused.status.message.contains("refresh the cluster map"))
                // Partitions not moving, the current map, or no epoch said: stored.
                #expect(try await Self.write(node, users: stillUsers, count: 2, mapEpoch: stale).status.code == .ok)
                #expect(try await Self.write(node, users: movingUsers, count: 3, mapEpoch: map.epoch).status.code == .ok)
                #expect(try await Self.write(node, users: movingUsers, count: 4, mapEpoch: 0).status.code == .ok)
                #expect(try await Self.write(node, users: movingUsers, count: 5, mapEpoch: map.epoch + 1).status.code == .ok)
            }
        }
    }

    @Test func exportRowsPagesTheServedPartitionsAndRefusesOthers() async throws {
        try await Fixture.withDirectory { directory in
            let now = WallClock.nowMicros()
            let map = try Fixture.map(["node-a", "node-b"], partitions: 16)
            let mine = map.partitionsHeld(by: try NodeID("node-a"))
            let theirs = Array(Set(0..<16).subtracting(mine)).sorted()
            try await Fixture.withNode("node-a", mapPath: directory + "/a.json") { node in
                var request = Skewless_V1_ExportRowsRequest()
                request.featureView = "user_transactions"
                request.partitions = mine.map { UInt32($0) }
                // Standalone: nothing to export by partition.
                let standalone = try #require(try await RawConnection.with(port: node.port) { try await $0.call(.exportRows, request) })
                #expect(standalone.status.code == .failedPrecondition)

                try await Fixture.install(map, on: node)
                try await Fixture.waitUntilLoaded(node, mine, epoch: map.epoch)
                let own = Fixture.users(in: mine, of: map, count: 11)
                #expect(try await Fixture.write(node, users: own, count: 5, eventTime: now).status.code == .ok)

                // Pages of 3 rows: 11 rows, no repeats, every column filled, the last page ends it.
                request.maxRows = 3
                let pages = try await RawConnection.with(port: node.port) { connection -> [Skewless_V1_ExportRowsResponse] in
                    var pages: [Skewless_V1_ExportRowsResponse] = []
                    while true {
                        let frame = try #require(try await connection.call(.exportRows, request))
                        try #require(frame.status.code == .ok, "EXPORT_ROWS failed: \(frame.status.message)")
                        let page = try Skewless_V1_ExportRowsResponse(serializedBytes: frame.payload)
                        pages.append(page)
                        if page.nextCursor.isEmpty { return pages }
                        request.cursor = page.nextCursor
                    }
                }
                #expect(pages.map(\.eventTimeMicros.count) == [3, 3, 3, 2])
                let exported = pages.flatMap { $0.entities.first?.int64Values ?? [] }
                #expect(exported.sorted() == own.sorted())
                #expect(pages.allSatisfy { $0.epoch == map.epoch && $0.createdTimeMicros.count == $0.eventTimeMicros.count })
                let counts = pages.flatMap { page in page.columns.first { $0.field == "txn_count_1h" }?.values.int64Values ?? [] }
                #expect(counts == Array(repeating: 5, count: 11))

                // Partitions it does not serve: wrong shard, naming them.
                request.cursor = Data()
                request.partitions = [UInt32(mine[0]), UInt32(theirs[0])]
                let refused = try #require(try await RawConnection.with(port: node.port) { try await $0.call(.exportRows, request) })
                #expect(refused.status.code == .aborted)
                #expect(refused.status.wrongShard.partitions == [UInt32(theirs[0])])
                // A cursor it did not make, and no partitions: invalid.
                request.partitions = [UInt32(mine[0])]
                request.cursor = Data([1, 2, 3])
                let garbage = try #require(try await RawConnection.with(port: node.port) { try await $0.call(.exportRows, request) })
                #expect(garbage.status.code == .invalidArgument)
                request.partitions = []
                request.cursor = Data()
                let empty = try #require(try await RawConnection.with(port: node.port) { try await $0.call(.exportRows, request) })
                #expect(empty.status.code == .invalidArgument)
            }
        }
    }

    @Test func aReplicaThatIsDownOrSendsGarbageIsSkippedForTheNext() async throws {
        try await Fixture.withDirectory { directory in
            let now = WallClock.nowMicros()
            let garbage = try await GarbagePeer()
            defer { garbage.channel.close(promise: nil) }
            let downPort = try await GarbagePeer.closedPort()
            try await Fixture.withNode("node-c", mapPath: directory + "/c.json") { good in
                try await Fixture.withNode("node-b", mapPath: directory + "/b.json") { incoming in
                    // Every partition on node-a (garbage), node-c (real) and node-d (down).
                    var map = try ClusterMap.create(
                        nodes: [
                            ClusterNode(id: NodeID("node-a"), address: NodeAddress(host: "127.0.0.1", port: garbage.port)),
                            ClusterNode(id: NodeID("node-c"), address: Self.address(good)),
                            ClusterNode(id: NodeID("node-d"), address: NodeAddress(host: "127.0.0.1", port: downPort)),
                        ], partitionCount: 8, replicationFactor: 3)
                    try await Self.install(map, on: good)
                    try await Fixture.waitUntilLoaded(good, 0..<8, epoch: map.epoch)
                    let users = Fixture.users(in: 0..<8, of: map, count: 40)
                    #expect(try await Fixture.write(good, users: users, count: 11, eventTime: now).status.code == .ok)

                    try map.begin(map.planAddNode(ClusterNode(id: NodeID("node-b"), address: Self.address(incoming))))
                    let moving = map.moves.map(\.partition)
                    #expect(Set(map.moves.map(\.from)).count > 1)  // from the garbage, down and good nodes alike
                    try await Self.install(map, on: incoming, good)
                    try await Fixture.waitUntilLoaded(incoming, moving, epoch: map.epoch)
                    try map.markLoaded()
                    try await Self.install(map, on: incoming, good)
                    try await Self.waitUntilCaughtUp(incoming, moving, epoch: map.epoch)

                    try map.flip(nowMicros: WallClock.nowMicros(), gracePeriodMicros: ClusterNodeFixture.hour)
                    try await Self.install(map, on: incoming, good)
                    let movingUsers = users.filter { moving.contains(map.partitioner.partition(ofInt64: $0)) }
                    #expect(!movingUsers.isEmpty)
                    #expect(try await Fixture.counts(incoming, users: movingUsers) == movingUsers.map { _ in 11 })
                    #expect(garbage.requests > 0)
                }
            }
        }
    }
}
