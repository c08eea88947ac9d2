import Foundation
import Skewless
import SkewlessModel
import SkewlessOfflineStore
import Testing

/// End to end over 127.0.0.1: the SDK against a real node serving the sample repo.
@Suite(.timeLimit(.minutes(2)))
struct NodeServerTests {
    static func client(_ node: TestNode, timeout: Duration = .seconds(5)) -> FeatureClient {
        FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = timeout })
    }

    static let minute: Int64 = 60_000_000

    @Test func healthAndDescribeReportTheRepo() async throws {
        try await TestNode.withNode { node in
            let client = Self.client(node)
            let health = try await client.health()
            #expect(health.isServing)
            #expect(health.nodeID == "node-1")
            let repo = try await client.describe()
            #expect(repo.project == "skewless_demo")
            #expect(repo.featureView(named: "user_profile", version: 2) != nil)
            #expect(repo.featureService(named: "fraud_detection_v1") != nil)
            await client.close()
        }
    }

    @Test func writesAreServedWithStatusesAndEventTimes() async throws {
        try await TestNode.withNode { node in
            let client = Self.client(node)
            let now = WallClock.nowMicros()
            let summary = try await client.write(view: "user_transactions", rows: [
                FeatureWrite(entity: ["user_id": 1], eventTime: now - Self.minute, values: [
                    "txn_count_1h": .int64(3), "txn_count_24h": .int64(12), "txn_amount_24h": .double(250.5),
                    "avg_txn_amount_7d": .float(20.25), "distinct_merchants_7d": nil,
                ]),
            ])
            #expect(summary.rowsWritten == 1 && summary.rowsIgnoredOlder == 0 && !summary.isDuplicate)
            // Acknowledged once durable in the write log, which stamped the created time.
            #expect(summary.acceptedTime >= now && summary.minReplicasApplied == 1 && summary.missedReplicas.isEmpty)
            let features = try await client.getOnlineFeatures(
                features: ["user_transactions:txn_count_24h", "user_transactions:txn_amount_24h", "user_transactions:distinct_merchants_7d", "user_transactions@1:avg_txn_amount_7d"],
                entities: [["user_id": 1], ["user_id": 999_999]])
            #expect(features.count == 2)
            let known = features[0]
            #expect(known.int64("user_transactions:txn_count_24h") == 12)
            #expect(known.double("txn_amount_24h") == 250.5)
            #expect(known.float("user_transactions@1:avg_txn_amount_7d") == 20.25)
            #expect(known.status("txn_count_24h") == .present)
            #expect(known.eventTime("txn_count_24h") == now - Self.minute)
            // Null in a fresh row: the declared default, flagged.
            #expect(known.status("distinct_merchants_7d") == .defaulted)
            #expect(known.int32("distinct_merchants_7d") == 0)
            // Unknown entity: every field of this serve_default view declares a default.
            let unknown = features[1]
            #expect(unknown.status("txn_count_24h") == .defaulted)
            #expect(unknown.eventTime("txn_count_24h") == nil)
            await client.close()
        }
    }

    @Test func rowsWrittenColumnByColumnAreServed() async throws {
        try await TestNode.withNode { node in
            let client = Self.client(node)
            let now = WallClock.nowMicros()
            var columns = FeatureColumns(eventTimes: [now - Self.minute, now - Self.minute])
            try columns.setKey("user_id", [41, 42])
            try columns.setField("txn_count_24h", int64s: [5, 6])
            try columns.setField("avg_txn_amount_7d", floats: [1.5, 0], nullRows: [1])
            let summary = try await client.write(view: "user_transactions", columns: columns)
            #expect(summary.rowsWritten == 2)
            let features = try await client.getOnlineFeatures(
                features: ["user_transactions:txn_count_24h", "user_transactions:avg_txn_amount_7d"], entities: [["user_id": 41], ["user_id": 42]])
            #expect(features[0].int64("txn_count_24h") == 5 && features[1].int64("txn_count_24h") == 6)
            #expect(features[0].float("avg_txn_amount_7d") == 1.5)
            #expect(features[1].status("avg_txn_amount_7d") != .present)
            await client.close()
        }
    }

    @Test func olderWritesDoNotReplaceNewerRows() async throws {
        try await TestNode.withNode { node in
            let client = Self.client(node)
            let now = WallClock.nowMicros()
            _ = try await client.write(view: "user_transactions", rows: [FeatureWrite(entity: ["user_id": 5], eventTime: now, values: ["txn_count_1h": .int64(9)])])
            let late = try await client.write(view: "user_transactions", rows: [FeatureWrite(entity: ["user_id": 5], eventTime: now - Self.minute, values: ["txn_count_1h": .int64(1)])])
            #expect(late.rowsWritten == 0 && late.rowsIgnoredOlder == 1)
            let features = try await client.getOnlineFeatures(features: ["user_transactions:txn_count_1h"], entities: [["user_id": 5]])
            #expect(features[0].int64("txn_count_1h") == 9)
            // The late event is still history: a training set as of just after it has it.
            let store = OfflineStore(directory: try #require(node.server.configuration.segmentsDirectory))
            let view = try node.server.repo.featureView(qualified: "user_transactions")
            let field = try #require(view.fieldIndex(named: "txn_count_1h"))
            let labels = HistoricalLabels(keys: ["user_id": .int64([5, 5])], times: [now - Self.minute + 1, now])
            let history = try store.historical(labels: labels, features: [ResolvedFeature(view: view, fieldIndex: field)], joinKeys: node.server.repo.joinKeys(of:))
            #expect(try history[0].value(at: 0) == .int64(1))
            #expect(try history[0].value(at: 1) == .int64(9))
            await client.close()
        }
    }

    @Test func servicesSpanViewsWithCompositeKeysAndFailClosedOnStaleRows() async throws {
        try await TestNode.withNode { node in
            let client = Self.client(node)
            let now = WallClock.nowMicros()
            _ = try await client.write(view: "merchant_risk", rows: [
                FeatureWrite(entity: ["merchant_id": "m-1"], eventTime: now - Self.minute, values: ["risk_score": .float(0.75), "chargeback_rate_30d": .double(0.01), "is_blocked": .bool(false)]),
            ])
            _ = try await client.write(view: "user_merchant_stats", rows: [
                FeatureWrite(entity: ["user_id": 7, "merchant_id": "m-1"], eventTime: now, values: ["txn_count_30d": .int64(4), "last_txn_amount": .double(12)]),
            ])
            let features = try await client.getOnlineFeatures(service: "fraud_detection_v1", entities: [["user_id": 7, "merchant_id": "m-1"]])
            #expect(features[0].float("merchant_risk:risk_score") == 0.75)
            #expect(features[0].int64("user_merchant_stats:txn_count_30d") == 4)
            #expect(features.featureNames.first?.hasPrefix("user_transactions@1:") == true)

            // merchant_risk is fail_closed with a 1h TTL: a row from 2h ago makes the call fail.
            _ = try await client.write(view: "merchant_risk", rows: [
                FeatureWrite(entity: ["merchant_id": "m-stale"], eventTime: now - 120 * Self.minute, values: ["risk_score": .float(0.1)]),
            ])
            let error = await #expect(throws: SkewlessError.self) {
                try await client.getOnlineFeatures(service: "fraud_detection_v1", entities: [["user_id": 7, "merchant_id": "m-stale"]])
            }
            #expect(error?.code == .failedPrecondition)
            #expect(error?.message.contains("merchant_risk") == true)
            await client.close()
        }
    }

    @Test func staleRowsOfServeFlaggedViewsComeBackFlagged() async throws {
        try await TestNode.withNode { node in
            let client = Self.client(node)
            let old = WallClock.nowMicros() - 40 * 24 * 60 * Self.minute  // user_profile has a 30d TTL
            _ = try await client.write(view: "user_profile@1", rows: [FeatureWrite(entity: ["user_id": 3], eventTime: old, values: ["country": .string("NZ")])])
            let features = try await client.getOnlineFeatures(features: ["user_profile@1:country"], entities: [["user_id": 3]])
            #expect(features[0].status("country") == .outsideTTL)
            #expect(features[0].string("country") == "NZ")
            await client.close()
        }
    }

    @Test func everyTypeRoundTripsIncludingCompressedEmbeddings() async throws {
        try await TestNode.withNode { node in
            let client = Self.client(node)
            let now = WallClock.nowMicros()
            _ = try await client.write(view: "user_profile@1", rows: [
                FeatureWrite(entity: ["user_id": 11], eventTime: now, values: [
                    "is_premium": .bool(true), "age": .int32(41), "lifetime_orders": .int64(1234), "avg_order_value": .float(19.5),
                    "credit_score": .double(712.25), "country": .string("Åland"), "avatar_hash": .bytes([0, 1, 254, 255]),
                    "last_login": .timestamp(now - 5), "recent_item_ids": .int64List([4, 5, 6]), "segments": .stringList(["vip", "eu"]),
                ]),
            ])
            var sparse = [Float](repeating: 0, count: 64)
            sparse[3] = 1.5
            sparse[60] = -2
            _ = try await client.write(view: "item_embedding", rows: [FeatureWrite(entity: ["item_id": 9], eventTime: now, values: ["embedding": .embedding(sparse), "category": .string("shoes")])])
            let profile = try await client.getOnlineFeatures(
                features: ["user_profile@1:is_premium", "user_profile@1:age", "user_profile@1:lifetime_orders", "user_profile@1:avg_order_value", "user_profile@1:credit_score",
                           "user_profile@1:country", "user_profile@1:avatar_hash", "user_profile@1:last_login", "user_profile@1:recent_item_ids", "user_profile@1:segments"],
                entities: [["user_id": 11]])[0]
            #expect(profile.bool("is_premium") == true)
            #expect(profile.int32("age") == 41)
            #expect(profile.int64("lifetime_orders") == 1234)
            #expect(profile.float("avg_order_value") == 19.5)
            #expect(profile.double("credit_score") == 712.25)
            #expect(profile.string("country") == "Åland")
            #expect(profile.bytes("avatar_hash") == [0, 1, 254, 255])
            #expect(profile.timestamp("last_login") == now - 5)
            #expect(profile.int64List("recent_item_ids") == [4, 5, 6])
            #expect(profile.stringList("segments") == ["vip", "eu"])
            let item = try await client.getOnlineFeatures(service: "recommendation_v1", entities: [["user_id": 11, "item_id": 9]])[0]
            #expect(item.embedding("item_embedding:embedding") == sparse)
            #expect(item.string("item_embedding:category") == "shoes")
            await client.close()
        }
    }

    @Test func badRequestsGetClearErrors() async throws {
        try await TestNode.withNode { node in
            let client = Self.client(node)
            let unknownFeature = await #expect(throws: SkewlessError.self) {
                try await client.getOnlineFeatures(features: ["user_transactions:nope"], entities: [["user_id": 1]])
            }
            #expect(unknownFeature?.code == .notFound)
            #expect(unknownFeature?.message.contains("has no field 'nope'") == true)
            let unknownService = await #expect(throws: SkewlessError.self) {
                try await client.getOnlineFeatures(service: "ghost", entities: [["user_id": 1]])
            }
            #expect(unknownService?.code == .notFound)
            let missingKey = await #expect(throws: SkewlessError.self) {
                try await client.getOnlineFeatures(features: ["user_transactions:txn_count_1h"], entities: [["item_id": 1]])
            }
            #expect(missingKey?.code == .invalidArgument)
            let wrongType = await #expect(throws: SkewlessError.self) {
                try await client.write(view: "user_transactions", rows: [FeatureWrite(entity: ["user_id": 1], eventTime: 1, values: ["txn_count_1h": .string("three")])])
            }
            #expect(wrongType?.code == .invalidArgument)
            #expect(wrongType?.message.contains("txn_count_1h") == true)
            let unknownField = await #expect(throws: SkewlessError.self) {
                try await client.write(view: "user_transactions", rows: [FeatureWrite(entity: ["user_id": 1], eventTime: 1, values: ["txn_count_2h": .int64(1)])])
            }
            #expect(unknownField?.message.contains("no field 'txn_count_2h'") == true)
            // The node is unharmed.
            let stillServing = try await client.health().isServing
            #expect(stillServing)
            await client.close()
        }
    }

    @Test func manyRequestsInFlightOnOneConnectionEachGetTheirOwnAnswer() async throws {
        try await TestNode.withNode { node in
            let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) {
                $0.connectionsPerNode = 1
                $0.timeout = .seconds(10)
            })
            let now = WallClock.nowMicros()
            let rows = (1...300).map { id in FeatureWrite(entity: ["user_id": .int64(Int64(id))], eventTime: now, values: ["txn_count_1h": .int64(Int64(id) * 10)]) }
            _ = try await client.write(view: "user_transactions", rows: rows)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in 1...300 {
                    group.addTask {
                        let features = try await client.getOnlineFeatures(features: ["user_transactions:txn_count_1h"], entities: [["user_id": .int64(Int64(id))]])
                        #expect(features[0].int64("txn_count_1h") == Int64(id) * 10)
                    }
                }
                try await group.waitForAll()
            }
            await client.close()
        }
    }

    /// One-entity reads of bool, float and double features go through the SDK's kept
    /// answer shapes (found rows, missing rows, one view found and the other not): every
    /// value, status and event time is the node's, as rows change between reads.
    @Test func oneEntityReadsOfChangingShapesReadBackExactly() async throws {
        try await TestNode.withNode { node in
            let client = Self.client(node)
            let features = [
                "user_profile:is_premium", "user_profile:avg_order_value", "user_profile:credit_score",
                "user_transactions:txn_amount_24h", "user_transactions:avg_txn_amount_7d",
            ]
            let start = WallClock.nowMicros() - 10 * Self.minute
            // Profiles for users 1-40, transactions for 1-20; 41-45 are unknown.
            func write(round: Int64) async throws {
                let time = start + round * Self.minute
                _ = try await client.write(view: "user_profile", rows: (1...40).map { id in
                    FeatureWrite(entity: ["user_id": .int64(id)], eventTime: time + id, values: [
                        "is_premium": .bool((id + round) % 2 == 0), "avg_order_value": .float(Float(id) * 1.5 + Float(round)),
                        "credit_score": .double(Double(id) * 10 + Double(round) / 4),
                    ])
                })
                _ = try await client.write(view: "user_transactions", rows: (1...20).map { id in
                    FeatureWrite(entity: ["user_id": .int64(id)], eventTime: time, values: [
                        "txn_amount_24h": .double(Double(id) + Double(round)), "avg_txn_amount_7d": .float(Float(id) / 2 - Float(round)),
                    ])
                })
            }
            var random = TestSeed.generator(0x4E4F_4445)
            for round: Int64 in 0..<3 {
                try await write(round: round)
                for id in (1...45).map(Int64.init).shuffled(using: &random) {
                    let row = try await client.getOnlineFeatures(features: features, entities: [["user_id": .int64(id)]])[0]
                    if id <= 40 {
                        #expect(row.status("is_premium") == .present)
                        #expect(row.bool("is_premium") == ((id + round) % 2 == 0))
                        #expect(row.float("avg_order_value") == Float(id) * 1.5 + Float(round))
                        #expect(row.double("credit_score") == Double(id) * 10 + Double(round) / 4)
                        #expect(row.eventTime("credit_score") == start + round * Self.minute + id)
                    } else {
                        #expect(row.status("is_premium") == .defaulted)
                        #expect(row.bool("is_premium") == false)
                        #expect(row.status("credit_score") == .notFound, "no default declared")
                        #expect(row.double("credit_score") == nil)
                        #expect(row.eventTime("credit_score") == nil)
                    }
                    if id <= 20 {
                        #expect(row.status("txn_amount_24h") == .present)
                        #expect(row.double("txn_amount_24h") == Double(id) + Double(round))
                        #expect(row.float("avg_txn_amount_7d") == Float(id) / 2 - Float(round))
                        #expect(row.eventTime("avg_txn_amount_7d") == start + round * Self.minute)
                    } else {
                        #expect(row.status("txn_amount_24h") == .defaulted)
                        #expect(row.double("txn_amount_24h") == 0)
                        #expect(row.eventTime("txn_amount_24h") == nil)
                    }
                }
            }
            await client.close()
        }
    }

    @Test func callsOnTheClientsEventLoopsGetTheirOwnAnswers() async throws {
        // Tasks preferring `taskExecutor` write and resume on the connections' event loops:
        // the same answers as from Swift Concurrency's pool, over both pooled connections.
        try await TestNode.withNode { node in
            let client = Self.client(node)
            let now = WallClock.nowMicros()
            let rows = (1...200).map { id in FeatureWrite(entity: ["user_id": .int64(Int64(id))], eventTime: now, values: ["txn_count_1h": .int64(Int64(id) * 7)]) }
            _ = try await client.write(view: "user_transactions", rows: rows)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in 1...200 {
                    group.addTask(executorPreference: client.taskExecutor) {
                        for _ in 0..<5 {
                            let features = try await client.getOnlineFeatures(
                                features: ["user_transactions:txn_count_1h"], entities: [["user_id": .int64(Int64(id))], ["user_id": 1_000_000]])
                            #expect(features[0].int64("txn_count_1h") == Int64(id) * 7)
                            #expect(features[1].status("txn_count_1h") == .defaulted)
                        }
                    }
                }
                try await group.waitForAll()
            }
            await client.close()
        }
    }

    @Test func theEntityLimitIsEnforced() async throws {
        try await TestNode.withNode(configure: { $0.maxEntitiesPerRequest = 10 }) { node in
            let client = Self.client(node)
            let error = await #expect(throws: SkewlessError.self) {
                try await client.getOnlineFeatures(service: "bench_1x50", entities: (1...11).map { ["user_id": .int64(Int64($0))] })
            }
            #expect(error?.code == .resourceExhausted)
            await client.close()
        }
    }
}
