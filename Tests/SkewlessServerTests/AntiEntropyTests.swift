import Foundation
import SkewlessCluster
import SkewlessModel
import SkewlessServer
import SkewlessWire
import Testing

/// Replica comparison and repair between real nodes on 127.0.0.1: PARTITION_DIGEST answers
/// per (view, partition) and refuses what the node does not serve; replicas made to differ on
/// purpose (rows applied to one replica only, as a coordinator's application that reached one
/// of them) end equal through the nodes' anti-entropy loops, and through `fsctl verify --repair`,
/// by the newer-wins rule: rows travel both ways and a newer row is never replaced.
@Suite(.timeLimit(.minutes(1)))
struct AntiEntropyTests {
    typealias Fixture = ClusterNodeFixture
    static let partitions = 8

    static func digests(_ node: TestNode, _ request: Skewless_V1_PartitionDigestRequest) async throws -> Skewless_V1_ResponseFrame {
        let response = try await RawConnection.with(port: node.port) { connection in
            try await connection.call(.partitionDigest, request)
        }
        return try #require(response)
    }

    /// Every (view, partition) digest the node holds, as comparable tuples.
    static func allDigests(_ node: TestNode) async throws -> [String] {
        let frame = try await digests(node, Skewless_V1_PartitionDigestRequest())
        try #require(frame.status.code == .ok, "PARTITION_DIGEST failed: \(frame.status.message)")
        return try Skewless_V1_PartitionDigestResponse(serializedBytes: frame.payload).digests.map {
            "\($0.featureView) \($0.partition) \($0.rowCount) \(String($0.digest, radix: 16))"
        }
    }

    /// Two nodes holding every partition (R = 2), each with its anti-entropy loop as given.
    static func withPair(antiEntropySeconds: Double, _ body: (TestNode, TestNode, ClusterMap) async throws -> Void) async throws {
        try await Fixture.withDirectory { directory in
            func configure(_ id: String) -> (inout NodeConfiguration) -> Void {
                { configuration in
                    configuration.nodeID = id
                    configuration.clusterMapPath = directory + "/\(id).json"
                    configuration.antiEntropyIntervalSeconds = antiEntropySeconds
                    configuration.antiEntropyPartitionsPerSecond = 100
                }
            }
            try await TestNode.withNode(configure: configure("node-a")) { a in
                try await TestNode.withNode(configure: configure("node-b")) { b in
                    let map = try ClusterMap.create(
                        nodes: [
                            ClusterNode(id: NodeID("node-a"), address: NodeAddress(host: "127.0.0.1", port: a.port)),
                            ClusterNode(id: NodeID("node-b"), address: NodeAddress(host: "127.0.0.1", port: b.port)),
                        ],
                        partitionCount: partitions, replicationFactor: 2)
                    try await Fixture.install(map, on: a)
                    try await Fixture.install(map, on: b)
                    try await Fixture.waitUntilLoaded(a, 0..<partitions, epoch: map.epoch)
                    try await Fixture.waitUntilLoaded(b, 0..<partitions, epoch: map.epoch)
                    try await body(a, b, map)
                }
            }
        }
    }

    /// Makes the pair differ: users only on a (5), only on b (6), on both with a's newer (9
    /// against 3), and on both equal (4). The differing rows are created 10 s in the past, so they
    /// are settled (a pass may run between these writes: each differing row is still repaired once).
    static func diverge(_ a: TestNode, _ b: TestNode, map: ClusterMap) async throws -> (onlyA: [Int64], onlyB: [Int64], newerOnA: [Int64], same: [Int64]) {
        let users = Fixture.users(in: 0..<partitions, of: map, count: 40)
        let onlyA = Array(users[0..<10]), onlyB = Array(users[10..<20]), newerOnA = Array(users[20..<30]), same = Array(users[30..<40])
        let now = WallClock.nowMicros()
        let created = now - 10_000_000
        try await write(a, onlyA, count: 5, eventTime: now - 60_000_000, created: created)
        try await write(b, onlyB, count: 6, eventTime: now - 60_000_000, created: created)
        try await write(a, newerOnA, count: 9, eventTime: now - 30_000_000, created: created)
        try await write(b, newerOnA, count: 3, eventTime: now - 60_000_000, created: created)
        // Created now: a pass that runs between these two writes leaves them to the write path
        // (rows younger than 2 s), so it never counts them as repaired.
        try await write(a, same, count: 4, eventTime: now - 60_000_000, created: now)
        try await write(b, same, count: 4, eventTime: now - 60_000_000, created: now)
        return (onlyA, onlyB, newerOnA, same)
    }

    /// A replica application to one node only: stored in its memory, logged nowhere.
    static func write(_ node: TestNode, _ users: [Int64], count: Int64, eventTime: Int64, created: Int64) async throws {
        var request = Skewless_V1_WriteFeaturesRequest()
        request.featureView = "user_transactions"
        var column = Skewless_V1_EntityKeyColumn()
        column.joinKey = "user_id"
        column.int64Values = users
        request.entities = [column]
        request.eventTimeMicros = Array(repeating: eventTime, count: users.count)
        request.createdTimeMicros = Array(repeating: created, count: users.count)
        var values = Skewless_V1_WriteColumn()
        values.field = "txn_count_1h"
        values.values.int64Values = Array(repeating: count, count: users.count)
        request.columns = [values]
        request.replicaApply = true
        let response = try await RawConnection.with(port: node.port) { connection in
            try await connection.call(.writeFeatures, request)
        }
        try #require(response?.status.code == .ok, "write failed: \(response?.status.message ?? "no answer")")
    }

    /// Both nodes serve exactly the repaired rows.
    static func expectRepaired(_ a: TestNode, _ b: TestNode, _ users: (onlyA: [Int64], onlyB: [Int64], newerOnA: [Int64], same: [Int64])) async throws {
        for node in [a, b] {
            #expect(try await Fixture.counts(node, users: users.onlyA) == users.onlyA.map { _ in 5 })
            #expect(try await Fixture.counts(node, users: users.onlyB) == users.onlyB.map { _ in 6 })
            #expect(try await Fixture.counts(node, users: users.newerOnA) == users.newerOnA.map { _ in 9 })
            #expect(try await Fixture.counts(node, users: users.same) == users.same.map { _ in 4 })
        }
        #expect(try await allDigests(a) == allDigests(b))
    }

    @Test func partitionDigestCountsTheRowsOfEachViewAndPartition() async throws {
        try await Self.withPair(antiEntropySeconds: 0) { a, b, map in
            let users = Fixture.users(in: [3], of: map, count: 5)
            try await Self.write(a, users, count: 1, eventTime: 10, created: 20)
            var request = Skewless_V1_PartitionDigestRequest()
            request.featureView = "user_transactions"
            request.partitions = [3, 4]
            request.includeBuckets = true
            let frame = try await Self.digests(a, request)
            try #require(frame.status.code == .ok, "\(frame.status.message)")
            let answer = try Skewless_V1_PartitionDigestResponse(serializedBytes: frame.payload)
            #expect(answer.nodeID == "node-a")
            #expect(answer.epoch == map.epoch)
            #expect(answer.digests.map(\.partition) == [3, 4])
            #expect(answer.digests.map(\.rowCount) == [5, 0])
            #expect(answer.digests[0].digest != 0 && answer.digests[1].digest == 0)
            #expect(answer.digests[0].bucketRowCounts.count == 64 && answer.digests[0].bucketRowCounts.reduce(0, +) == 5)
            // Every view version, every partition served, when none is named.
            #expect(try await Self.allDigests(b).count == Self.partitions * (try TestNode.sampleRepo().featureViews.count))
        }
    }

    @Test func partitionDigestRefusesWhatTheNodeDoesNotServe() async throws {
        try await Fixture.withDirectory { directory in
            try await Fixture.withNode("node-a", mapPath: directory + "/a.json") { node in
                var request = Skewless_V1_PartitionDigestRequest()
                request.partitions = [0]
                // Standalone: partitions exist only in a cluster.
                #expect(try await Self.digests(node, request).status.code == .failedPrecondition)
                let map = try Fixture.map(["node-a", "node-b"], partitions: 16, replicas: 1)
                try await Fixture.install(map, on: node)
                let mine = map.partitionsHeld(by: try NodeID("node-a"))
                let theirs = try #require((0..<16).first { !mine.contains($0) })
                try await Fixture.waitUntilLoaded(node, mine, epoch: map.epoch)
                request.partitions = [UInt32(theirs)]
                let refused = try await Self.digests(node, request)
                #expect(refused.status.code == .aborted)
                #expect(refused.status.wrongShard.partitions == [UInt32(theirs)])
                request.partitions = [16]
                #expect(try await Self.digests(node, request).status.code == .invalidArgument)
                request.partitions = [UInt32(mine[0])]
                request.featureView = "no_such_view"
                #expect(try await Self.digests(node, request).status.code == .notFound)
            }
        }
    }

    @Test func exportRowsLimitedToBucketsCarriesRowDigests() async throws {
        try await Self.withPair(antiEntropySeconds: 0) { a, _, map in
            let users = Fixture.users(in: [2], of: map, count: 30)
            try await Self.write(a, users, count: 1, eventTime: 10, created: 20)
            var request = Skewless_V1_ExportRowsRequest()
            request.featureView = "user_transactions"
            request.partitions = [2]
            request.includeRowDigests = true
            let bucket = RowDigestBucket.of(users[0])
            request.buckets = [UInt32(bucket)]
            let response = try await RawConnection.with(port: a.port) { connection in
                try await connection.call(.exportRows, request)
            }
            let frame = try #require(response)
            try #require(frame.status.code == .ok, "\(frame.status.message)")
            let page = try Skewless_V1_ExportRowsResponse(serializedBytes: frame.payload)
            let exported = page.entities.first?.int64Values ?? []
            #expect(Set(exported) == Set(users.filter { RowDigestBucket.of($0) == bucket }))
            #expect(page.rowDigests.count == exported.count)
            request.buckets = [64]
            let bad = try await RawConnection.with(port: a.port) { connection in try await connection.call(.exportRows, request) }
            #expect(bad?.status.code == .invalidArgument)
        }
    }

    @Test func antiEntropyRepairsReplicasThatDifferBothWaysWithoutReplacingNewerRows() async throws {
        try await Self.withPair(antiEntropySeconds: 1) { a, b, map in
            let users = try await Self.diverge(a, b, map: map)
            #expect(try await Self.allDigests(a) != Self.allDigests(b))
            var agreed = false
            for _ in 0..<100 where !agreed {
                try await Task.sleep(for: .milliseconds(200))
                agreed = try await Self.allDigests(a) == Self.allDigests(b)
            }
            #expect(agreed, "the replicas still differ after 20 s of anti-entropy")
            try await Self.expectRepaired(a, b, users)
            let health = try await RawConnection.with(port: a.port) { try await $0.call(.health, Skewless_V1_HealthRequest()) }
            let healthB = try await RawConnection.with(port: b.port) { try await $0.call(.health, Skewless_V1_HealthRequest()) }
            let counters = try [health, healthB].map { try Skewless_V1_HealthResponse(serializedBytes: try #require($0).payload).antiEntropy }
            #expect(counters.allSatisfy { $0.enabled })
            // 10 only-a users to b, 10 only-b users to a, 10 newer rows to b.
            #expect(counters.reduce(0) { $0 + $1.rowsRepaired } == 30)
            #expect(counters.reduce(0) { $0 + $1.partitionsDiffering } >= 1)
            #expect(counters.reduce(0) { $0 + $1.partitionsCompared } >= UInt64(Self.partitions))
        }
    }

    @Test func fsctlVerifyReportsDifferencesAndRepairsThem() async throws {
        try await Self.withPair(antiEntropySeconds: 0) { a, b, map in
            let users = try await Self.diverge(a, b, map: map)
            let directory = FileManager.default.temporaryDirectory
            let verify = try FSCtlProcess(["verify", "--node", "127.0.0.1:\(a.port)", "--format", "json"], in: directory)
            defer { verify.stop() }
            #expect(try await verify.exitStatus() == 6, "\(verify.errors)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(verify.output.utf8)) as? [String: Any], "\(verify.output)")
            #expect(report["compared"] as? Int == Self.partitions * (try TestNode.sampleRepo().featureViews.count))
            let differences = try #require(report["differences"] as? [[String: Any]])
            #expect(!differences.isEmpty)
            #expect(differences.allSatisfy { ($0["feature_view"] as? String) == "user_transactions@1" })
            #expect((report["unverifiable"] as? [Any])?.isEmpty == true)
            let repair = try FSCtlProcess(["verify", "--node", "127.0.0.1:\(b.port)", "--repair"], in: directory)
            defer { repair.stop() }
            #expect(try await repair.exitStatus() == 0, "\(repair.output) \(repair.errors)")
            #expect(repair.output.contains("replicas agree after the repair"), "\(repair.output)")
            try await Self.expectRepaired(a, b, users)
            let again = try FSCtlProcess(["verify", "--node", "127.0.0.1:\(a.port)"], in: directory)
            defer { again.stop() }
            #expect(try await again.exitStatus() == 0, "\(again.output)")
            #expect(again.output.contains("0 differ"), "\(again.output)")
        }
    }
}

/// The digest bucket of a single int64 key (docs/protocol.md section 17): the top 6 bits of
/// its routing hash.
enum RowDigestBucket {
    static func of(_ user: Int64) -> Int {
        Int(Partitioner.hash(ofInt64: user) >> 58)
    }
}
