import Foundation
import Skewless
import SkewlessModel
import SkewlessOfflineStore
@testable import SkewlessServer
import Testing

/// MATERIALIZE against a real node on 127.0.0.1 and real segment files: the node loads the
/// latest row per entity from the offline store, incrementally by watermark.
@Suite struct MaterializationTests {

    /// A temporary offline store, removed afterwards.
    static func withSegments<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-materialize-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    /// Ingests rows of `user_transactions` (txn_count_1h = the given count) into the store.
    static func ingest(_ directory: String, rows: [(user: Int64, eventTime: Int64, createdTime: Int64, count: Int64)]) throws {
        let repo = try TestNode.sampleRepo()
        let view = try repo.featureView(qualified: "user_transactions")
        let session = try OfflineStore(directory: directory).beginIngest(view: view, joinKeys: repo.joinKeys(of: view), nowMicros: WallClock.nowMicros())
        for row in rows {
            var values: [FeatureValue?] = Array(repeating: nil, count: view.fields.count)
            values[0] = .int64(row.count)
            try session.append(key: EntityKey(.int64(row.user)), eventTime: row.eventTime, createdTime: row.createdTime, values: values)
        }
        _ = try session.commit()
    }

    static func client(_ node: TestNode) -> FeatureClient {
        FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(10) })
    }

    static func counts(_ client: FeatureClient, users: [Int64]) async throws -> [Int64?] {
        let features = try await client.getOnlineFeatures(
            features: ["user_transactions:txn_count_1h"], entities: users.map { ["user_id": .int64($0)] })
        return features.rows.map { row in
            row.status("user_transactions:txn_count_1h") == .present ? row.int64("user_transactions:txn_count_1h") : nil
        }
    }

    @Test func aNodeLoadsEachEntitysLatestRowFromTheSegments() async throws {
        let now = WallClock.nowMicros()
        try await Self.withSegments { directory in
            try Self.ingest(directory, rows: [
                (1, now - 3 * ClusterNodeFixture.hour, now - 3 * ClusterNodeFixture.hour, 10),
                (1, now - 1 * ClusterNodeFixture.hour, now - 1 * ClusterNodeFixture.hour, 11),  // latest of user 1
                (1, now - 2 * ClusterNodeFixture.hour, now - 30_000_000, 12),  // a late arrival of an older event
                (2, now - 1 * ClusterNodeFixture.hour, now - 1 * ClusterNodeFixture.hour, 20),
            ])
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory; $0.loadOnStart = false }) { node in
                let client = Self.client(node)
                #expect(try await Self.counts(client, users: [1, 2, 3]) == [nil, nil, nil])
                let loaded = try await client.materialize(views: ["user_transactions"], full: false, timeout: .seconds(30))
                #expect(loaded.map(\.featureView) == ["user_transactions@1"])
                #expect(loaded.first?.entitiesWritten == 2)
                #expect(loaded.first?.rowsScanned == 4)
                #expect(try await Self.counts(client, users: [1, 2, 3]) == [11, 20, nil])
                let health = try await client.health()
                #expect(health.watermarks.map(\.featureView) == ["user_transactions@1"])
                #expect(health.watermarks.first?.watermarkMicros == now - 30_000_000)
                await client.close()
            }
        }
    }

    /// Long-running requests run on the node's few threads of their own: many at once queue
    /// there (none starts a thread of its own), and every one is answered: loaded, or told
    /// that one materialization runs and another waits already (ABORTED), never left waiting.
    @Test func manyLongRunningRequestsAtOnceAreQueuedAndAllAnswered() async throws {
        let now = WallClock.nowMicros()
        try await Self.withSegments { directory in
            try Self.ingest(directory, rows: [(1, now - ClusterNodeFixture.hour, now - ClusterNodeFixture.hour, 10)])
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory; $0.loadOnStart = false }) { node in
                let client = Self.client(node)
                let answered = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<(RequestProcessor.longRunningThreads * 5) {
                        group.addTask {
                            do {
                                return try await client.materialize(views: ["user_transactions"], full: true, timeout: .seconds(60)).count
                            } catch let error as SkewlessError where error.code == .aborted {
                                return 1
                            }
                        }
                    }
                    return try await group.reduce(0) { $0 + $1 }
                }
                #expect(answered == RequestProcessor.longRunningThreads * 5)
                #expect(try await Self.counts(client, users: [1]) == [10])
                await client.close()
            }
        }
    }

    @Test func anIncrementalRunLoadsOnlyEntitiesWithNewerRows() async throws {
        let now = WallClock.nowMicros()
        try await Self.withSegments { directory in
            try Self.ingest(directory, rows: [(1, now - 2 * ClusterNodeFixture.hour, now - 2 * ClusterNodeFixture.hour, 10), (2, now - 2 * ClusterNodeFixture.hour, now - 2 * ClusterNodeFixture.hour, 20)])
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory; $0.loadOnStart = false }) { node in
                let client = Self.client(node)
                _ = try await client.materialize(views: [], full: false, timeout: .seconds(30))
                try Self.ingest(directory, rows: [(2, now - 1 * ClusterNodeFixture.hour, now - 60_000_000, 21), (3, now - 1 * ClusterNodeFixture.hour, now - 60_000_000, 30)])
                let loaded = try await client.materialize(views: ["user_transactions@1"], full: false, timeout: .seconds(30))
                #expect(loaded.first?.entitiesWritten == 2)  // users 2 and 3, not 1
                #expect(try await Self.counts(client, users: [1, 2, 3]) == [10, 21, 30])
                let unchanged = try await client.materialize(views: ["user_transactions@1"], full: false, timeout: .seconds(30))
                #expect(unchanged.first?.entitiesWritten == 0)
                #expect(unchanged.first?.rowsScanned == 0)  // no segment has a row after the watermark
                let rebuilt = try await client.materialize(views: ["user_transactions"], full: true, timeout: .seconds(30))
                #expect(rebuilt.first?.entitiesWritten == 3)
                await client.close()
            }
        }
    }

    /// The backfill regression: 60 entities re-ingested with newer events but Feast-style
    /// created times older than anything the node had read. Incremental runs select by the
    /// store's order of arrival, so the next one serves exactly the training set's values.
    @Test func anIncrementalRunAfterABackfillWithOldCreatedTimesServesTheTrainingSetsValues() async throws {
        let now = WallClock.nowMicros()
        let users = Array(Int64(1)...60)
        try await Self.withSegments { directory in
            try Self.ingest(directory, rows: users.map { ($0, now - 2 * ClusterNodeFixture.hour, now - ClusterNodeFixture.hour, 1) })
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory; $0.loadOnStart = false }) { node in
                let client = Self.client(node)
                _ = try await client.materialize(views: [], full: false, timeout: .seconds(30))
                #expect(try await Self.counts(client, users: users) == users.map { _ in 1 })
                // The backfill: newer events, created (by the input's account) a day ago.
                try Self.ingest(directory, rows: users.map { ($0, now - ClusterNodeFixture.hour, now - 24 * ClusterNodeFixture.hour, $0 * 10) })
                let loaded = try await client.materialize(views: ["user_transactions"], full: false, timeout: .seconds(30))
                #expect(loaded.first?.entitiesWritten == 60)
                let served = try await Self.counts(client, users: users)
                let repo = node.server.repo
                let view = try repo.featureView(qualified: "user_transactions")
                let labels = HistoricalLabels(keys: ["user_id": .int64(users)], times: users.map { _ in now })
                let training = try OfflineStore(directory: directory).historical(
                    labels: labels, features: [ResolvedFeature(view: view, fieldIndex: 0)], joinKeys: repo.joinKeys(of:))
                let trained = try users.indices.map { row -> Int64? in
                    if case .int64(let value)? = try training[0].value(at: row)?.storage { return value }
                    return nil
                }
                #expect(served == trained)
                #expect(served == users.map { $0 * 10 })
                await client.close()
            }
        }
    }

    @Test func materializingAsOfAPastTimeLoadsWhatWasTrueThen() async throws {
        let now = WallClock.nowMicros()
        try await Self.withSegments { directory in
            try Self.ingest(directory, rows: [(1, now - 3 * ClusterNodeFixture.hour, now - 3 * ClusterNodeFixture.hour, 10), (1, now - 1 * ClusterNodeFixture.hour, now - 1 * ClusterNodeFixture.hour, 11)])
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory; $0.loadOnStart = false }) { node in
                let client = Self.client(node)
                _ = try await client.materialize(views: [], full: true, asOfMicros: now - 2 * ClusterNodeFixture.hour, timeout: .seconds(30))
                #expect(try await Self.counts(client, users: [1]) == [10])
                await client.close()
            }
        }
    }

    @Test func aNodeWithoutSegmentsOrAnUnknownViewGetsAClearError() async throws {
        try await TestNode.withNode(configure: { $0.segmentsDirectory = nil }) { node in
            let client = Self.client(node)
            do {
                _ = try await client.materialize(views: [], full: true, timeout: .seconds(5))
                Issue.record("a node without segments materialized")
            } catch let error as SkewlessError {
                #expect(error.code == .failedPrecondition)
                #expect(error.message.contains("--segments"))
            }
            await client.close()
        }
        try await Self.withSegments { directory in
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory; $0.loadOnStart = false }) { node in
                let client = Self.client(node)
                do {
                    _ = try await client.materialize(views: ["no_such_view"], full: false, timeout: .seconds(5))
                    Issue.record("an unknown view was accepted")
                } catch let error as SkewlessError {
                    #expect(error.code == .notFound)
                }
                // A view never ingested has no segments: nothing to load, and no error.
                let loaded = try await client.materialize(views: ["merchant_risk"], full: false, timeout: .seconds(5))
                #expect(loaded.first?.entitiesWritten == 0)
                #expect(loaded.first?.watermarkMicros == 0)  // no rows: no watermark
                #expect(try await client.health().watermarks.isEmpty)
                await client.close()
            }
        }
    }
}
