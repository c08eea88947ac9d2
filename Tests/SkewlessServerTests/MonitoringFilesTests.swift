import Foundation
import Skewless
import SkewlessModel
import Testing
import Yams

/// The alerting contract's files (monitoring/): the rules pass promtool's check and unit
/// tests, the exposition passes promtool's linter, and every metric the rules and the
/// dashboard's panels name is one a real node exposes (or a rule records).
@Suite(.timeLimit(.minutes(5)))
struct MonitoringFilesTests {
    static var monitoring: String { TestNode.packageRoot.appendingPathComponent("monitoring").path }
    static var rulesFile: String { monitoring + "/skewless-rules.yml" }
    static var dashboardFile: String { monitoring + "/grafana-dashboard.json" }

    /// The sample repo with objectives on user_profile@1, so that the objective gauges exist.
    static func repoWithObjectives() throws -> FeatureRepo {
        let repo = try TestNode.sampleRepo()
        let views = repo.featureViews.map { view in
            var view = view
            if view.qualifiedName == "user_profile@1" {
                view.objectives = ViewObjectives(maxStalenessSeconds: 3600, minCompleteness: 0.9)
            }
            return view
        }
        return try FeatureRepo(project: repo.project, entities: repo.entities, featureViews: views, featureServices: repo.featureServices)
    }

    /// A scrape of a node of `repoWithObjectives()` that has stored a row and served it.
    static func fullScrape() async throws -> MetricsExposition {
        try await TestNode.withNode(repo: try repoWithObjectives(), configure: { $0.metricsPort = 0 }) { node in
            let client = NodeServerTests.client(node)
            _ = try await client.write(view: "user_profile@1", rows: [
                FeatureWrite(entity: ["user_id": 1], eventTime: WallClock.nowMicros(), values: ["lifetime_orders": .int64(1)]),
            ])
            _ = try await client.getOnlineFeatures(features: ["user_profile@1:lifetime_orders"], entities: [["user_id": 1]])
            await client.close()
            return try await MetricsExposition.scrape(port: try #require(node.server.metricsAddress?.port))
        }
    }

    @Test func theRulesPassPromtoolsCheckAndUnitTests() async throws {
        let check = try await PrometheusServerProcess.promtool(["check", "rules", Self.rulesFile])
        #expect(check.termination.succeeded, "\(check.output)\(check.errors)")
        let tests = try await PrometheusServerProcess.promtool(["test", "rules", "skewless-rules.test.yml"], in: Self.monitoring)
        #expect(tests.termination.succeeded, "\(tests.output)\(tests.errors)")
        #expect(tests.output.contains("SUCCESS"))
        // The local cluster's configuration, which loads the rules.
        let config = try await PrometheusServerProcess.promtool(["check", "config", "prometheus-local.yml"], in: Self.monitoring)
        #expect(config.termination.succeeded, "\(config.output)\(config.errors)")
    }

    @Test func theExpositionPassesPromtoolsLinter() async throws {
        let scrape = try await Self.fullScrape()
        let lint = try await PrometheusServerProcess.promtool(["check", "metrics"], input: scrape.text)
        #expect(lint.termination.succeeded, "\(lint.output)\(lint.errors)")
    }

    @Test func everyMetricTheRulesAndTheDashboardNameExists() async throws {
        let scrape = try await Self.fullScrape()
        let rules = try Self.rules()
        let recorded = Set(rules.compactMap(\.record))
        #expect(!recorded.isEmpty)
        var exposed = scrape.familyNames
        exposed.insert("up")  // Prometheus's own, per target
        func check(_ expression: String, in place: String) {
            for name in Self.metricNames(in: expression) {
                if name.contains(":") {
                    #expect(recorded.contains(name), "\(place): \(name) is recorded by no rule")
                } else {
                    #expect(exposed.contains(Self.family(of: name)), "\(place): \(name) is not in a node's exposition")
                }
            }
        }
        for rule in rules {
            check(rule.expr, in: "rule \(rule.record ?? rule.alert ?? "?")")
        }
        let panels = try Self.dashboardPanels()
        #expect(panels.count >= 10)
        var titles: [String] = []
        for panel in panels {
            let title = panel["title"] as? String ?? "?"
            titles.append(title)
            let type = panel["type"] as? String
            guard type != "row", type != "text" else { continue }
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "panel \(title) has no query")
            for target in targets {
                let expr = try #require(target["expr"] as? String, "a target of panel \(title) has no expr")
                check(expr, in: "panel \(title)")
            }
        }
        // The four dimensions, writes, sealer lag and partitions each have a panel.
        for word in ["Staleness", "Completeness", "Distribution", "latency", "Rows written", "Sealer lag", "Partitions"] {
            #expect(titles.contains { $0.contains(word) }, "no panel about \(word)")
        }
    }

    // MARK: - Reading the files

    struct Rule {
        var record: String?
        var alert: String?
        var expr: String
    }

    static func rules() throws -> [Rule] {
        let text = try String(contentsOfFile: rulesFile, encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let groups = try #require(document["groups"] as? [[String: Any]])
        return try groups.flatMap { group in
            try #require(group["rules"] as? [[String: Any]]).map { rule in
                Rule(record: rule["record"] as? String, alert: rule["alert"] as? String, expr: try #require(rule["expr"] as? String))
            }
        }
    }

    static func dashboardPanels() throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dashboardFile))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(dashboard["title"] as? String == "Skewless")
        return try #require(dashboard["panels"] as? [[String: Any]])
    }

    /// The metric names in a PromQL expression: the `skewless_` and `skewless:` identifiers,
    /// and `up`.
    static func metricNames(in expression: String) -> Set<String> {
        var names = Set<String>()
        let pattern = try! NSRegularExpression(pattern: #"\b(skewless[_:][A-Za-z0-9_:]*|up)\b(?!\s*\()"#)
        let range = NSRange(expression.startIndex..., in: expression)
        for match in pattern.matches(in: expression, range: range) {
            if let found = Range(match.range(at: 1), in: expression) {
                names.insert(String(expression[found]))
            }
        }
        return names
    }

    /// A histogram's family name for its `_bucket`, `_sum` and `_count` series.
    static func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            return String(name.dropLast(suffix.count))
        }
        return name
    }
}
