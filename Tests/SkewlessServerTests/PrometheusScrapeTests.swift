import Foundation
import Skewless
import SkewlessModel
import Testing

/// Debian's real Prometheus server scrapes a real node every second, with the alerting rules
/// loaded, and a freshness series read back through its HTTP API equals what the node holds.
@Suite(.timeLimit(.minutes(5)))
struct PrometheusScrapeTests {
    @Test func prometheusScrapesANodeAndServesItsFreshness() async throws {
        try await TestNode.withNode(configure: { $0.metricsPort = 0 }) { node in
            let metricsPort = try #require(node.server.metricsAddress?.port)
            let client = NodeServerTests.client(node)
            let eventTime = WallClock.nowMicros() - 90_000_000
            _ = try await client.write(view: "user_profile@1", rows: [
                FeatureWrite(entity: ["user_id": 1], eventTime: eventTime, values: ["lifetime_orders": .int64(1)]),
            ])
            let configuration = """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                  - \(MonitoringFilesTests.rulesFile)
                scrape_configs:
                  - job_name: skewless
                    static_configs:
                      - targets: ['127.0.0.1:\(metricsPort)']
                """
            let prometheus = try await PrometheusServerProcess.start(configuration: configuration)
            do {
                // The target is up once Prometheus has scraped it.
                var up: Double?
                let started = ContinuousClock.now
                while up != 1, ContinuousClock.now - started < .seconds(120) {
                    up = try await prometheus.query(#"up{job="skewless"}"#).first?.value
                    if up != 1 { try await Task.sleep(for: .milliseconds(250)) }
                }
                #expect(up == 1, "the node's target never came up; Prometheus's log:\n\(prometheus.logTail())")

                // What the node holds, through HEALTH, and what Prometheus scraped.
                let health = try await client.health()
                let held = try #require(health.freshness.first { $0.featureView == "user_profile@1" }?.newestEventTime)
                #expect(held == eventTime)
                let series = try await prometheus.query(#"skewless_view_newest_event_time_seconds{view="user_profile@1"}"#)
                #expect(series.count == 1)
                let scraped = try #require(series.first)
                #expect(scraped.labels["job"] == "skewless" && scraped.labels["instance"] == "127.0.0.1:\(metricsPort)")
                #expect(abs(scraped.value - Double(held) / 1e6) < 1e-6, "Prometheus has \(scraped.value), the node \(held) µs")

                // The rules loaded and evaluate: the staleness rule records this view's age.
                var staleness: Double?
                while staleness == nil, ContinuousClock.now - started < .seconds(120) {
                    staleness = try await prometheus.query(#"skewless:view_staleness_seconds{view="user_profile@1"}"#).first?.value
                    if staleness == nil { try await Task.sleep(for: .milliseconds(250)) }
                }
                let age = try #require(staleness, "the recording rule never produced a sample")
                #expect(age >= 89 && age < 600)
                let (status, body) = try await prometheus.get("/api/v1/rules")
                #expect(status == 200 && body.contains("\"health\":\"ok\"") && !body.contains("\"health\":\"err\""), "\(body)")
            } catch {
                await prometheus.stop()
                await client.close()
                throw error
            }
            await prometheus.stop()
            await client.close()
        }
    }
}
