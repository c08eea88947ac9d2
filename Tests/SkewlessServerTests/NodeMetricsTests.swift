import Foundation
import NIOHTTP1
import Skewless
import SkewlessModel
import SkewlessServer
import Testing

/// A real node with a metrics port on 127.0.0.1, driven through the SDK, scraped with real
/// HTTP GETs of /metrics: the exposition's counts equal the traffic sent.
@Suite(.timeLimit(.minutes(3)))
struct NodeMetricsTests {
    static let minute: Int64 = 60_000_000

    static func metricsPort(_ node: TestNode) throws -> Int {
        try #require(node.server.metricsAddress?.port)
    }

    @Test func countsEqualTheTrafficSent() async throws {
        try await TestNode.withNode(configure: { $0.metricsPort = 0 }) { node in
            let port = try Self.metricsPort(node)
            let client = NodeServerTests.client(node)
            let now = WallClock.nowMicros()
            // user_profile@1: serve_flagged, TTL 30d; credit_score has no default,
            // lifetime_orders has one.
            _ = try await client.write(view: "user_profile@1", rows: [
                FeatureWrite(entity: ["user_id": 1], eventTime: now - Self.minute, values: ["credit_score": .double(710), "lifetime_orders": .int64(3)]),
                FeatureWrite(entity: ["user_id": 3], eventTime: now - 40 * 24 * 60 * Self.minute, values: ["credit_score": .double(600), "lifetime_orders": .int64(1)]),
            ])
            _ = try await client.write(view: "user_profile@1", rows: [
                FeatureWrite(entity: ["user_id": 2], eventTime: now - 2 * Self.minute, values: ["credit_score": nil, "lifetime_orders": .int64(5)]),
            ])
            let features = ["user_profile@1:credit_score", "user_profile@1:lifetime_orders"]
            let reads = 7
            var expected: [String: Double] = [:]
            for round in 0..<reads {
                let served = try await client.getOnlineFeatures(
                    features: features, entities: [["user_id": 1], ["user_id": 2], ["user_id": 3], ["user_id": .int64(Int64(100 + round))]])
                for row in 0..<served.count {
                    for feature in features {
                        let status = try #require(served[row].status(feature))
                        expected[Self.label(status), default: 0] += 1
                    }
                }
            }
            // present (fresh), null (fresh, no default), outside_ttl (40 days old),
            // not_found (absent, no default), defaulted (absent, with a default).
            #expect(expected == ["present": 21, "null": 7, "outside_ttl": 14, "not_found": 7, "defaulted": 7])
            // An unknown feature: refused with the status the client got.
            let unknown = await #expect(throws: SkewlessError.self) {
                try await client.getOnlineFeatures(features: ["user_profile@1:no_such_field"], entities: [["user_id": 1]])
            }
            let unknownStatus = try Self.statusLabel(#require(unknown).code)
            let health = try await client.health()

            let scrape = try await MetricsExposition.scrape(port: port)
            func requests(_ method: String, _ status: String) -> Double? {
                scrape.value("skewless_requests_total", ["method": method, "status": status])
            }
            #expect(requests("get_online_features", "ok") == Double(reads))
            #expect(requests("get_online_features", unknownStatus) == 1)
            #expect(requests("write_features", "ok") == 2)
            #expect(requests("health", "ok") == 1)
            #expect((requests("handshake", "ok") ?? 0) >= 1)
            // Every request counted once in its latency histogram, and no faster than zero.
            for sample in scrape.samples("skewless_requests_total") {
                let labels = sample.labels
                #expect(scrape.value("skewless_request_duration_seconds_count", labels) == sample.value)
                #expect(scrape.value("skewless_request_duration_seconds_bucket", labels.merging(["le": "+Inf"]) { $1 }) == sample.value)
                #expect((scrape.value("skewless_request_duration_seconds_sum", labels) ?? -1) >= 0)
            }
            #expect(scrape.types["skewless_request_duration_seconds"] == "histogram")
            #expect(scrape.types["skewless_requests_total"] == "counter")

            // Served values by status: what the client received.
            for (status, count) in expected {
                #expect(scrape.value("skewless_feature_reads_total", ["view": "user_profile@1", "status": status]) == count, "\(status)")
            }
            #expect(scrape.value("skewless_feature_reads_total", ["view": "user_profile@2", "status": "present"]) == 0)
            // HEALTH says the same.
            let viewHealth = try #require(health.freshness.first { $0.featureView == "user_profile@1" })
            #expect(Double(viewHealth.reads.present) == expected["present"])

            // The view's state.
            #expect(scrape.value("skewless_view_entities", ["view": "user_profile@1"]) == 3)
            #expect((scrape.value("skewless_view_memory_bytes", ["view": "user_profile@1"]) ?? 0) > 0)
            #expect(scrape.value("skewless_view_ttl_seconds", ["view": "user_profile@1"]) == Double(30 * 24 * 3600))
            #expect(scrape.value("skewless_view_newest_event_time_seconds", ["view": "user_profile@1"]) == Double(now - Self.minute) / 1e6)
            let arrival = try #require(scrape.value("skewless_view_newest_arrival_time_seconds", ["view": "user_profile@1"]))
            #expect(arrival >= Double(now) / 1e6 && arrival <= Date().timeIntervalSince1970)
            // A view without rows has no freshness to show.
            #expect(scrape.value("skewless_view_newest_event_time_seconds", ["view": "user_profile@2"]) == nil)
            // Writes: 3 rows logged and written.
            #expect(scrape.value("skewless_writes_total", ["view": "user_profile@1", "outcome": "logged"]) == 3)
            #expect(scrape.value("skewless_writes_total", ["view": "user_profile@1", "outcome": "written"]) == 3)
            #expect(scrape.value("skewless_writes_total", ["view": "user_profile@1", "outcome": "refused"]) == 0)
            #expect(scrape.value("skewless_write_log_unsealed_records", ["view": "user_profile@1"]) != nil)
            // Connections and bytes.
            #expect((scrape.value("skewless_open_connections") ?? 0) >= 1)
            #expect((scrape.value("skewless_received_bytes_total") ?? 0) > 0)
            #expect((scrape.value("skewless_sent_bytes_total") ?? 0) > 0)
            // The node itself.
            #expect(scrape.value("skewless_build_info", ["version": SkewlessServerVersion.current, "node": "node-1"]) == 1)
            let started = try #require(scrape.value("skewless_node_start_time_seconds"))
            #expect(started <= Date().timeIntervalSince1970 && started > Date().timeIntervalSince1970 - 600)
            #expect(scrape.value("skewless_cluster_epoch") == 0)
            #expect(scrape.value("skewless_partitions", ["state": "held"]) == 0)
            #expect(scrape.value("skewless_partitions", ["state": "under_replicated"]) == 0)
            // The load at start ran once, and succeeded.
            #expect(scrape.value("skewless_materializations_total", ["result": "ok"]) == 1)
            #expect(scrape.value("skewless_materialization_duration_seconds_count") == 1)

            // Counters only grow: a second scrape after more reads adds exactly those.
            _ = try await client.getOnlineFeatures(features: features, entities: [["user_id": 1]])
            let again = try await MetricsExposition.scrape(port: port)
            #expect(again.value("skewless_requests_total", ["method": "get_online_features", "status": "ok"]) == Double(reads + 1))
            #expect(again.value("skewless_feature_reads_total", ["view": "user_profile@1", "status": "present"]) == expected["present"]! + 2)
            await client.close()
        }
    }

    @Test func otherPathsAndMethodsAre404() async throws {
        try await TestNode.withNode(configure: { $0.metricsPort = 0 }) { node in
            let port = try Self.metricsPort(node)
            let ok = try await MetricsExposition.get(port: port, path: "/metrics?name=x")
            #expect(ok.status == 200)
            #expect(ok.contentType == "text/plain; version=0.0.4; charset=utf-8")
            #expect(try await MetricsExposition.get(port: port, path: "/").status == 404)
            #expect(try await MetricsExposition.get(port: port, path: "/metrics/x").status == 404)
            #expect(try await MetricsExposition.get(port: port, path: "/health").status == 404)
            #expect(try await MetricsExposition.get(port: port, path: "/metrics", method: .POST).status == 404)
            // The listener still answers after the 404s.
            #expect(try await MetricsExposition.get(port: port).status == 200)
        }
    }

    @Test func theMetricsPortIsOffByDefault() async throws {
        #expect(NodeConfiguration.defaults.metricsPort == nil)
        try await TestNode.withNode { node in
            #expect(node.server.metricsAddress == nil)
            #expect(node.server.metrics == nil)
        }
    }

    @Test func closedConnectionsAreCountedByReason() async throws {
        try await TestNode.withNode(configure: { $0.metricsPort = 0; $0.maxConnections = 1 }) { node in
            let port = try Self.metricsPort(node)
            let first = NodeServerTests.client(node)
            _ = try await first.health()
            // The node is at its limit of 1: a second connection is refused and closed.
            let second = NodeServerTests.client(node)
            await #expect(throws: SkewlessError.self) { _ = try await second.health() }
            await second.close()
            await first.close()
            var scrape = try await MetricsExposition.scrape(port: port)
            for _ in 0..<500 where (scrape.value("skewless_connections_closed_total", ["reason": "client"]) ?? 0) < 1 {
                try await Task.sleep(for: .milliseconds(10))
                scrape = try await MetricsExposition.scrape(port: port)
            }
            #expect((scrape.value("skewless_connections_closed_total", ["reason": "limit"]) ?? 0) >= 1)
            #expect((scrape.value("skewless_connections_closed_total", ["reason": "client"]) ?? 0) >= 1)
        }
    }

    static func label(_ status: ValueStatus) -> String {
        switch status.storage {
        case .present: return "present"
        case .notFound: return "not_found"
        case .nullValue: return "null"
        case .outsideTTL: return "outside_ttl"
        case .defaulted: return "defaulted"
        }
    }

    /// The snake-case label of a status code, from its description ("not found" -> "not_found").
    static func statusLabel(_ code: SkewlessError.Code) throws -> String {
        code.description.replacingOccurrences(of: " ", with: "_")
    }
}
