import ArgumentParser
import Foundation
import Skewless
import SkewlessCluster
import SkewlessControl
import SkewlessIngest
import SkewlessModel
import SkewlessMonitoring
import SkewlessRepo

/// `fsctl check`: holds the views of a feature repo to their serving objectives (freshness,
/// completeness) as a node or a whole cluster observes them, and exits 1 when one is
/// violated, so that cron or CI can alert.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check views' freshness and completeness objectives against a node or a cluster.",
        discussion: """
            Asks every node (every node of the cluster map when --node names a cluster node, or the map in etcd with --etcd) for the newest event time it holds of each view and how its lookups ended since it started, then holds each view to its objectives (the repo's `objectives:` block): staleness, now minus the newest event time any node holds, at most max_staleness; completeness, the share of lookups that found a fresh stored value (a default, a null, a stale value served flagged and a missing row count against it), at least min_completeness. Without --view or --all, only views that declare objectives are checked; a view named with --view (or every view with --all) that declares no max_staleness is held to its TTL.

            --over 5m judges completeness over the lookups of the next five minutes (two readings five minutes apart) instead of since each node started.

            Exit status: 0 every objective met; 1 at least one violated; 2 or more the check could not run (bad arguments, a node that does not answer).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    @OptionGroup var clusterOptions: ClusterOptions

    @Option(help: "The feature repo: a directory of YAML files, or one file.")
    var repo: String

    @Option(name: .customLong("view"), help: "Check this view (name for every version, or name@version); repeat for several. Default: the views that declare objectives.")
    var views: [String] = []

    @Flag(help: "Check every view of the repo; views without max_staleness are held to their TTL.")
    var all = false

    @Option(name: .customLong("min-reads"), help: "Judge completeness only over at least this many lookups of a view (fewer: not enough data, neither met nor violated).")
    var minimumReads: UInt64 = 100

    @Option(help: "Judge completeness over the lookups of the next DURATION (30s, 5m, ...) instead of since each node started.")
    var over: String?

    @Option(help: "table (for people) or json (for machines).")
    var format: Format = .table

    func validate() throws {
        if all && !views.isEmpty {
            throw ValidationError("give --all or --view, not both")
        }
    }

    /// What `--format json` prints.
    struct Report: Codable {
        var checkedAt: String
        var checkedAtMicros: Int64
        var nodes: [String]
        /// Completeness counted over this window; nil: since each node started.
        var completenessWindowSeconds: Int64?
        var results: [ObjectiveCheck.Result]
        var violations: Int

        enum CodingKeys: String, CodingKey {
            case checkedAt = "checked_at", checkedAtMicros = "checked_at_micros", nodes
            case completenessWindowSeconds = "completeness_window_seconds", results, violations
        }
    }

    func run() async throws {
        var report: Report?
        try await CommandFailure.reporting(node: clusterOptions.hintNode) {
            let check: ObjectiveCheck
            let window: Int64?
            do {
                let loaded = try FeatureRepoLoader.load(path: repo)
                let selection: ObjectiveCheck.Selection = all ? .all : views.isEmpty ? .declared : .named(views)
                check = try ObjectiveCheck(repo: loaded, selection: selection, minimumReads: minimumReads)
                window = try over.map { try DurationParser.seconds(from: $0, option: "--over") }
            } catch let error as SkewlessError {
                throw CommandFailure(error.message, exitCode: CommandFailure.rejectedInput)
            } catch let error as RepoError {
                throw CommandFailure(error.description, exitCode: CommandFailure.rejectedInput, isPrefixed: false)
            }
            guard !check.views.isEmpty else {
                throw CommandFailure(
                    "no view of \(repo) declares objectives (max_staleness, min_completeness): declare some (docs/feature-repo.md), or check views against their TTL with --view NAME or --all",
                    exitCode: CommandFailure.rejectedInput)
            }
            report = try await clusterOptions.withStore(defaultTimeoutMilliseconds: 2_000) { store, admin, _ in
                let nodes = try await Self.nodes(store: store, seeds: clusterOptions.seeds(), etcd: clusterOptions.etcd != nil)
                var first: [String: ServingObservation]?
                if let window {
                    first = try await Self.observe(nodes, admin: admin).byNodeAndView
                    try await Task.sleep(for: .seconds(window))
                }
                let now = WallClock.nowMicros()
                var observed = try await Self.observe(nodes, admin: admin)
                if let first {
                    observed.subtract(first)
                }
                let results = check.evaluate(observed.byView, nowMicros: now)
                return Report(
                    checkedAt: TimeSyntax.rfc3339(micros: now), checkedAtMicros: now, nodes: nodes.map(\.description),
                    completenessWindowSeconds: window, results: results, violations: results.count { $0.outcome == .violated })
            }
        }
        guard let report else { return }
        switch format {
        case .table: print(Self.table(report), terminator: "")
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        if report.violations > 0 { throw ExitCode(1) }
    }

    /// The nodes to ask: every node of the cluster map, or the given nodes when they are
    /// standalone (not part of a cluster).
    static func nodes(store: any ClusterMapStore, seeds: [NodeAddress], etcd: Bool) async throws -> [NodeAddress] {
        let result: Result<ClusterMap, SkewlessError>
        do {
            result = .success(try await store.load())
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let map):
            return map.nodes.map(\.address)
        case .failure(let error) where error.code == .failedPrecondition && !etcd:
            return seeds
        case .failure(let error):
            throw error
        }
    }

    /// Every node's observations, per node and view; a node that does not answer fails the
    /// check (exit 3): its lookups and rows are unknown, so no verdict would be honest.
    struct Observations {
        var byNodeAndView: [String: ServingObservation]

        /// Combined over the nodes.
        var byView: [String: ServingObservation] {
            var combined: [String: ServingObservation] = [:]
            for observation in byNodeAndView.values {
                combined[observation.featureView] = combined[observation.featureView].map { $0.merged(with: observation) } ?? observation
            }
            return combined
        }

        /// Keeps only the lookups counted after `earlier`.
        mutating func subtract(_ earlier: [String: ServingObservation]) {
            for (key, observation) in byNodeAndView {
                byNodeAndView[key]?.reads = observation.reads.since(earlier[key]?.reads ?? .zero)
            }
        }
    }

    static func observe(_ nodes: [NodeAddress], admin: NodeAdmin) async throws -> Observations {
        var byNodeAndView: [String: ServingObservation] = [:]
        for node in nodes {
            let health: NodeHealth
            do throws(SkewlessError) {
                health = try await admin.withNode(node) { client throws(SkewlessError) in try await client.health() }
            } catch {
                throw CommandFailure(
                    "the node at \(node) did not answer (\(error.code): \(error.message)): its rows and lookups are unknown, so nothing was judged. Start it, or mark it down (fsctl node down) and check again",
                    exitCode: CommandFailure.unavailable)
            }
            for view in health.freshness {
                byNodeAndView["\(node) \(view.featureView)"] = ServingObservation(
                    featureView: view.featureView, newestEventTime: view.newestEventTime, reads: reads(of: view))
            }
        }
        return Observations(byNodeAndView: byNodeAndView)
    }

    static func reads(of view: ViewFreshness) -> ReadCounts {
        ReadCounts(present: view.reads.present, notFound: view.reads.notFound, null: view.reads.nullValue, outsideTTL: view.reads.outsideTTL, defaulted: view.reads.defaulted)
    }

    static func table(_ report: Report) -> String {
        let rows = report.results.map { result -> [String] in
            let target: String
            let observed: String
            switch result.objective {
            case .maxStaleness:
                target = "<= \(ObjectiveCheck.duration(result.target))\(result.targetSource == "ttl" ? " (TTL)" : "")"
                observed = result.observed.map(ObjectiveCheck.duration) ?? "no rows"
            case .minCompleteness:
                target = ">= \(Self.percent(result.target))"
                observed = result.observed.map(Self.percent) ?? "no lookups"
            }
            let verdict = switch result.outcome {
            case .met: "ok"
            case .violated: "VIOLATED"
            case .notEnoughData: "not enough data"
            }
            return [result.featureView, result.objective.rawValue, target, observed, verdict]
        }
        var text = TablePrinter(headers: ["VIEW", "OBJECTIVE", "TARGET", "OBSERVED", "VERDICT"], rows: rows).render() + "\n"
        for result in report.results where result.outcome != .met {
            text += "\(result.featureView) \(result.objective.rawValue): \(result.detail)\n"
        }
        let scope = report.completenessWindowSeconds.map { "completeness over the last \(ObjectiveCheck.duration(Double($0)))" } ?? "completeness since each node started"
        text += report.violations == 0
            ? "every objective met (\(report.nodes.count) node\(report.nodes.count == 1 ? "" : "s"), \(scope))\n"
            : "\(report.violations) objective\(report.violations == 1 ? "" : "s") violated (\(report.nodes.count) node\(report.nodes.count == 1 ? "" : "s"), \(scope))\n"
        return text
    }

    static func percent(_ share: Double) -> String {
        String(format: "%.1f%%", share * 100)
    }
}
