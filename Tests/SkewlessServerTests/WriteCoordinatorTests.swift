import Foundation
import Skewless
import SkewlessCluster
import SkewlessModel
import SkewlessOfflineStore
import SkewlessWire
import Testing

@testable import SkewlessServer

/// The durable write path on real nodes over 127.0.0.1 (docs/write-log.md): a batch is
/// logged once, recognised when retried, applied on its partition's replicas wherever it
/// arrives, and the acknowledgement says who missed it.
@Suite(.timeLimit(.minutes(1)))
struct WriteCoordinatorTests {
    typealias Fixture = ClusterNodeFixture
    static let feature = "user_transactions:txn_count_1h"

    /// A client write of txn_count_1h = `count` for `users`, with idempotency key `key`.
    static func write(_ node: TestNode, users: [Int64], count: Int64, eventTime: Int64, key: String) async throws -> Skewless_V1_ResponseFrame {
        try await Fixture.write(node, users: users, count: count, eventTime: eventTime, replica: false, idempotencyKey: key)
    }

    static func answer(_ frame: Skewless_V1_ResponseFrame) throws -> Skewless_V1_WriteFeaturesResponse {
        try #require(frame.status.code == .ok, "\(frame.status.message)")
        return try Skewless_V1_WriteFeaturesResponse(serializedBytes: frame.payload)
    }

    /// How many rows of `users` the offline store at `directory` holds, by user.
    static func storedRows(_ directory: String, users: [Int64], repo: FeatureRepo) throws -> [Int64: Int] {
        let view = try repo.featureView(qualified: "user_transactions")
        let snapshot = try OfflineStore(directory: directory).snapshot(of: view, joinKeys: repo.joinKeys(of: view))
        var counts: [Int64: Int] = [:]
        for rows in try snapshot.allRows() {
            for row in 0..<rows.count {
                if case .int64(let user) = rows.keys.key(at: row).parts[0].storage, users.contains(user) { counts[user, default: 0] += 1 }
            }
        }
        return counts
    }

    @Test func aBatchRetriedOnTheSameNodeIsLoggedOnceAndSaysItIsADuplicate() async throws {
        try await TestNode.withNode { node in
            let now = WallClock.nowMicros()
            let first = try Self.answer(try await Self.write(node, users: [1, 2, 3], count: 4, eventTime: now, key: "batch-7"))
            let again = try Self.answer(try await Self.write(node, users: [1, 2, 3], count: 4, eventTime: now, key: "batch-7"))
            #expect(!first.duplicate && again.duplicate)
            #expect(again.acceptedTimeMicros == first.acceptedTimeMicros)
            #expect(first.rowsWritten == 3)
            let stored = try Self.storedRows(try #require(node.server.configuration.segmentsDirectory), users: [1, 2, 3], repo: node.server.repo)
            #expect(stored == [1: 1, 2: 1, 3: 1])
            #expect(try await Fixture.counts(node, users: [1, 2, 3]) == [4, 4, 4])
        }
    }

    @Test func aKeyUsedAgainForOtherRowsIsRefused() async throws {
        try await TestNode.withNode { node in
            let now = WallClock.nowMicros()
            _ = try Self.answer(try await Self.write(node, users: [61, 62], count: 1, eventTime: now, key: "reused"))
            let other = try await Self.write(node, users: [63], count: 1, eventTime: now, key: "reused")
            #expect(other.status.code == .invalidArgument)
            #expect(other.status.message.contains("'reused' was already used for other rows"))
            #expect(try await Fixture.counts(node, users: [61, 62, 63]) == [1, 1, nil])
        }
    }

    @Test func aBatchRetriedOnAnotherNodeIsStoredOnceInTheSharedStore() async throws {
        try await Fixture.withDirectory { directory in
            let store = directory + "/store"
            try await TestNode.withNode(configure: { $0.nodeID = "node-a"; $0.segmentsDirectory = store }) { a in
                try await TestNode.withNode(configure: { $0.nodeID = "node-b"; $0.segmentsDirectory = store }) { b in
                    let now = WallClock.nowMicros()
                    // node-a logged it, then the client timed out and sent it to node-b.
                    _ = try Self.answer(try await Self.write(a, users: [11, 12], count: 5, eventTime: now, key: "k-1"))
                    _ = try Self.answer(try await Self.write(b, users: [11, 12], count: 5, eventTime: now, key: "k-1"))
                    _ = try Self.answer(try await Self.write(b, users: [13], count: 6, eventTime: now, key: "k-2"))
                    #expect(try Self.storedRows(store, users: [11, 12, 13], repo: a.server.repo) == [11: 1, 12: 1, 13: 1])
                    // Sealed: still once, and a later retry stays out.
                    let view = try a.server.repo.featureView(qualified: "user_transactions")
                    // The nodes' own sealers may hold the view's lock for a moment: wait for them.
                    var sealed = false
                    for _ in 0..<200 where !sealed {
                        do {
                            try OfflineStore(directory: store).seal(view: view, joinKeys: a.server.repo.joinKeys(of: view))
                            sealed = true
                        } catch let error as SkewlessError where error.code == .aborted {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    #expect(sealed, "the view stayed locked for 10 s")
                    _ = try Self.answer(try await Self.write(b, users: [11, 12], count: 5, eventTime: now, key: "k-1"))
                    #expect(try Self.storedRows(store, users: [11, 12, 13], repo: a.server.repo) == [11: 1, 12: 1, 13: 1])
                }
            }
        }
    }

    @Test func aWriteToANodeThatDoesNotHoldTheKeysIsAppliedOnTheirReplicas() async throws {
        try await Fixture.withDirectory { directory in
            let store = directory + "/store"
            try await Fixture.withNode("node-a", mapPath: directory + "/a.json", segments: store) { a in
                try await Fixture.withNode("node-b", mapPath: directory + "/b.json", segments: store) { b in
                    let map = try ClusterMap.create(
                        nodes: [
                            ClusterNode(id: NodeID("node-a"), address: NodeAddress(host: "127.0.0.1", port: a.port)),
                            ClusterNode(id: NodeID("node-b"), address: NodeAddress(host: "127.0.0.1", port: b.port)),
                        ], partitionCount: 16, replicationFactor: 1)
                    try await Fixture.install(map, on: a)
                    try await Fixture.install(map, on: b)
                    try await Fixture.waitUntilLoaded(a, map.partitionsHeld(by: NodeID("node-a")), epoch: map.epoch)
                    try await Fixture.waitUntilLoaded(b, map.partitionsHeld(by: NodeID("node-b")), epoch: map.epoch)
                    let theirs = Fixture.users(in: map.partitionsHeld(by: try NodeID("node-b")), of: map, count: 5)
                    let mine = Fixture.users(in: map.partitionsHeld(by: try NodeID("node-a")), of: map, count: 3)
                    let answer = try Self.answer(try await Self.write(a, users: theirs + mine, count: 8, eventTime: WallClock.nowMicros(), key: "mixed"))
                    #expect(answer.rowsWritten == 8 && answer.minReplicasApplied == 1 && answer.replicasMissed.isEmpty)
                    #expect(try await Fixture.counts(b, users: theirs) == theirs.map { _ in 8 })
                    #expect(try await Fixture.counts(a, users: mine) == mine.map { _ in 8 })
                    // node-a never stores keys its map does not give it.
                    #expect(a.server.store.entityRowCount == mine.count)
                    #expect(b.server.store.entityRowCount == theirs.count)
                }
            }
        }
    }

    @Test func aReplicaThatDoesNotAnswerIsNamedAndTheWriteIsStillDurable() async throws {
        try await Fixture.withDirectory { directory in
            let store = directory + "/store"
            let downPort = try await GarbagePeer.closedPort()
            try await TestNode.withNode(configure: {
                $0.nodeID = "node-a"
                $0.clusterMapPath = directory + "/a.json"
                $0.segmentsDirectory = store
                $0.replicaTimeoutMilliseconds = 300
            }) { a in
                let map = try ClusterMap.create(
                    nodes: [
                        ClusterNode(id: NodeID("node-a"), address: NodeAddress(host: "127.0.0.1", port: a.port)),
                        ClusterNode(id: NodeID("node-d"), address: NodeAddress(host: "127.0.0.1", port: downPort)),
                    ], partitionCount: 8, replicationFactor: 2)
                try await Fixture.install(map, on: a)
                try await Fixture.waitUntilLoaded(a, 0..<8, epoch: map.epoch)
                let users: [Int64] = [21, 22, 23]
                let answer = try Self.answer(try await Self.write(a, users: users, count: 9, eventTime: WallClock.nowMicros(), key: "one-down"))
                #expect(answer.minReplicasApplied == 1)
                #expect(answer.replicasMissed == ["node-d"])
                #expect(try await Fixture.counts(a, users: users) == [9, 9, 9])
                #expect(try Self.storedRows(store, users: users, repo: a.server.repo) == [21: 1, 22: 1, 23: 1])
            }
        }
    }

    @Test func writesAreRefusedWhileTheUnsealedBacklogIsOverItsBound() async throws {
        try await TestNode.withNode(configure: { $0.maximumUnsealedBytes = 100; $0.sealIntervalSeconds = 3_600 }) { node in
            let now = WallClock.nowMicros()
            _ = try Self.answer(try await Self.write(node, users: [51, 52, 53], count: 1, eventTime: now, key: "first"))
            let refused = try await Self.write(node, users: [54], count: 1, eventTime: now, key: "second")
            #expect(refused.status.code == .unavailable)
            #expect(refused.status.message.contains("not yet sealed"))
            #expect(try await Fixture.counts(node, users: [54]) == [nil])
        }
    }

    @Test func createdTimesFromClientsAreRefusedAndReplicaApplicationsNeedThem() async throws {
        try await TestNode.withNode { node in
            var request = Skewless_V1_WriteFeaturesRequest()
            request.featureView = "user_transactions"
            var column = Skewless_V1_EntityKeyColumn()
            column.joinKey = "user_id"
            column.int64Values = [1]
            request.entities = [column]
            request.eventTimeMicros = [WallClock.nowMicros()]
            request.createdTimeMicros = [5]
            let refused = try #require(try await RawConnection.with(port: node.port) { try await $0.call(.writeFeatures, request) })
            #expect(refused.status.code == .invalidArgument)
            #expect(refused.status.message.contains("fsctl ingest"))
            request.createdTimeMicros = []
            request.replicaApply = true
            let bare = try #require(try await RawConnection.with(port: node.port) { try await $0.call(.writeFeatures, request) })
            #expect(bare.status.code == .invalidArgument)
            #expect(try await Fixture.counts(node, users: [1]) == [nil])
        }
    }

    @Test func healthReportsTheUnsealedBacklogTheSealerCounted() async throws {
        // The sealer seals only hourly here, but counts the backlog every round (1 s).
        try await TestNode.withNode(configure: { $0.sealIntervalSeconds = 3_600 }) { node in
            let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(10) })
            let summary = try await client.write(view: "user_transactions", rows: [
                FeatureWrite(entity: ["user_id": 32], eventTime: WallClock.nowMicros(), values: ["txn_count_1h": .int64(1)])
            ])
            var counted: ViewFreshness?
            for _ in 0..<1_000 {
                counted = try await client.health().freshness.first { $0.featureView == "user_transactions@1" }
                if counted?.logUnsealedRecords == 1 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(counted?.logUnsealedRecords == 1)
            #expect(counted?.logUnsealedBytes ?? 0 > 0)
            #expect(counted?.logOldestUnsealed == summary.acceptedTime)
            await client.close()
        }
    }

    @Test func healthReportsFreshnessAndTheLogBacklogUntilTheSealerSealsIt() async throws {
        try await TestNode.withNode(configure: { $0.sealIntervalSeconds = 0.3 }) { node in
            // A generous deadline: this test is about freshness, not deadlines, and a loaded
            // machine can take over a second to connect.
            let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(10) })
            let event = WallClock.nowMicros() - 60_000_000
            let summary = try await client.write(view: "user_transactions", rows: [
                FeatureWrite(entity: ["user_id": 31], eventTime: event, values: ["txn_count_1h": .int64(1)])
            ])
            let health = try await client.health()
            let view = try #require(health.freshness.first { $0.featureView == "user_transactions@1" })
            #expect(view.newestEventTime == event)
            #expect(view.newestArrival == summary.acceptedTime)
            #expect(view.rowsLogged == 1)
            // HEALTH gives the backlog as the sealer last counted it: once the sealer has
            // written a segment, its next count is 0.
            let store = try #require(node.server.configuration.segmentsDirectory)
            let manifestPath = store + "/views/user_transactions@1/MANIFEST"
            var sealed = false
            for _ in 0..<1_000 {
                let now = try await client.health().freshness.first { $0.featureView == "user_transactions@1" }
                if FileManager.default.fileExists(atPath: manifestPath), now?.logUnsealedRecords == 0, now?.logUnsealedBytes == 0 {
                    sealed = true
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(sealed, "the sealer did not seal the log")
            let manifest = try String(contentsOfFile: manifestPath, encoding: .isoLatin1)
            #expect(!manifest.isEmpty)
            await client.close()
        }
    }
}
