import Foundation
import Skewless
import SkewlessModel
import Testing

/// HEALTH's served-value counts per view and status (`ViewReadCounters`), against a real
/// node on 127.0.0.1 read through the SDK: each status counted once per served value, by the
/// several-row, one-row and variable-width paths alike, and nothing for a failed request.
@Suite(.timeLimit(.minutes(2)))
struct ViewReadCountersTests {
    static let minute: Int64 = 60_000_000

    static func reads(_ client: FeatureClient, _ view: String) async throws -> ViewReads {
        let health = try await client.health()
        return try #require(health.freshness.first { $0.featureView == view }).reads
    }

    @Test func everyServedValueIsCountedByStatus() async throws {
        try await TestNode.withNode { node in
            let client = NodeServerTests.client(node)
            let now = WallClock.nowMicros()
            #expect(try await Self.reads(client, "user_profile@1") == ViewReads())
            // user_profile@1: serve_flagged, TTL 30d; credit_score has no default,
            // lifetime_orders and country have one.
            _ = try await client.write(view: "user_profile@1", rows: [
                FeatureWrite(entity: ["user_id": 1], eventTime: now - Self.minute, values: [
                    "credit_score": .double(710), "lifetime_orders": .int64(3), "country": .string("FR"),
                ]),
                FeatureWrite(entity: ["user_id": 2], eventTime: now - Self.minute, values: [
                    "credit_score": nil, "lifetime_orders": .int64(5), "country": .string("DE"),
                ]),
                FeatureWrite(entity: ["user_id": 3], eventTime: now - 40 * 24 * 60 * Self.minute, values: [
                    "credit_score": .double(600), "lifetime_orders": .int64(1), "country": .string("IT"),
                ]),
            ])
            let features = ["user_profile@1:credit_score", "user_profile@1:lifetime_orders", "user_profile@1:country"]
            let served = try await client.getOnlineFeatures(
                features: features, entities: [["user_id": 1], ["user_id": 2], ["user_id": 3], ["user_id": 4]])
            // What the client got is what the node counted.
            var expected = ViewReads()
            for row in 0..<served.count {
                for feature in features {
                    switch served[row].status(feature)?.storage {
                    case .present: expected.present += 1
                    case .notFound: expected.notFound += 1
                    case .nullValue: expected.nullValue += 1
                    case .outsideTTL: expected.outsideTTL += 1
                    case .defaulted: expected.defaulted += 1
                    case nil: Issue.record("no status for \(feature)")
                    }
                }
            }
            // Fresh: 3 + 2 present and a null without default; stale: 3 outside the TTL;
            // absent: not found without a default, defaulted with one.
            #expect(expected == ViewReads(present: 5, notFound: 1, nullValue: 1, outsideTTL: 3, defaulted: 2))
            var reads = try await Self.reads(client, "user_profile@1")
            #expect(reads == expected)
            #expect(reads.total == 12)
            #expect(reads.completeness == 5.0 / 12.0, "only present values count as complete")

            // One entity, fixed-width fields only: the one-row template path counts too.
            _ = try await client.getOnlineFeatures(features: ["user_profile@1:credit_score", "user_profile@1:is_premium"], entities: [["user_id": 1]])
            reads = try await Self.reads(client, "user_profile@1")
            #expect(reads.present == 6 && reads.defaulted == 3 && reads.total == 14)
            // Another view's counts are its own.
            #expect(try await Self.reads(client, "user_profile@2") == ViewReads())
            await client.close()
        }
    }

    @Test func aFailedRequestCountsNothing() async throws {
        try await TestNode.withNode { node in
            let client = NodeServerTests.client(node)
            let now = WallClock.nowMicros()
            // merchant_risk is fail_closed with a 1h TTL; fraud_detection_v1 reads
            // user_transactions first, then merchant_risk, which fails the whole request.
            _ = try await client.write(view: "merchant_risk", rows: [
                FeatureWrite(entity: ["merchant_id": "m-stale"], eventTime: now - 120 * Self.minute, values: ["risk_score": .float(0.1)]),
            ])
            let error = await #expect(throws: SkewlessError.self) {
                try await client.getOnlineFeatures(service: "fraud_detection_v1", entities: [["user_id": 7, "merchant_id": "m-stale"]])
            }
            #expect(error?.code == .failedPrecondition)
            await #expect(throws: SkewlessError.self) {
                try await client.getOnlineFeatures(features: ["user_transactions:txn_count_1h", "user_transactions:no_such_field"], entities: [["user_id": 7]])
            }
            #expect(try await Self.reads(client, "user_transactions@1") == ViewReads())
            #expect(try await Self.reads(client, "merchant_risk@1") == ViewReads())

            // The same service for a merchant without a row serves every column, and counts
            // them: 5 defaulted transaction values, 2 merchant values not found (no
            // defaults), 1 defaulted pair count.
            _ = try await client.getOnlineFeatures(service: "fraud_detection_v1", entities: [["user_id": 7, "merchant_id": "m-none"]])
            #expect(try await Self.reads(client, "user_transactions@1") == ViewReads(defaulted: 5))
            #expect(try await Self.reads(client, "merchant_risk@1") == ViewReads(notFound: 2))
            #expect(try await Self.reads(client, "user_merchant_stats@1") == ViewReads(defaulted: 1))
            await client.close()
        }
    }
}
