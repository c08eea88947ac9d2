import ArgumentParser
import Foundation
import SkewlessModel
import SkewlessMonitoring
import SkewlessOfflineStore
import SkewlessRepo

/// `fsctl audit`: checks what the nodes served (the served-feature log) against what the
/// offline store gives point in time at each serve time, and says why each difference is.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the served-feature log against the offline store point in time: match rates per feature, and why each mismatch is.",
        discussion: """
            For every feature of every entity row the nodes logged as served (a service's log_sample_rate, docs/served-log.md) in the time range, the offline store's value as of the serve time T is computed twice with the point-in-time rule of training sets: as of known time (rows created at or before T: what the store knew then) and with every row it holds now (what a training set built today holds). A served value that differs is a mismatch, with its cause:

              late_data            a row that arrived after T changes the value as of T
              materialization_lag  the store had a newer row at T that the node had not loaded
              ttl_or_policy        the same row judged differently against the TTL: a serve_default default where training sets have OUTSIDE_TTL, or another TTL or policy in the node's repo
              default_applied      the node served the field's default where training sets have no value
              other_version        the node served another version of the view than the service reads now
              unexplained          none of these

            Each feature is checked against the view version its service reads in --repo now, under --repo's TTLs. Times are spelled as fsctl put takes them (RFC 3339, dates, microseconds, now, now-1h).

            Exit status: 0 the mismatch rate (mismatches of causes not --ignore'd, over values checked) is at most --max-mismatch-rate; 1 it is above; 2 or more the audit could not run (bad arguments, an unreadable store, nothing logged in the range).

            Example (a release gate):
              fsctl audit --repo feature_repo --store /data/skewless/segments --service fraud_detection_v1 --last 24h --max-mismatch-rate 0.001 --ignore default_applied
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    @Option(help: "The feature repo: a directory of YAML files, or one file.")
    var repo: String = "examples/feature_repo"

    @Option(help: "The offline store's directory (the nodes' --segments).")
    var store: String = HistoricalCommand.defaultStore

    @Option(help: "Only reads of this feature service.")
    var service: String?

    @Option(help: "Only what this node served.")
    var node: String?

    @Option(help: "Served at or after this time.")
    var from: String?

    @Option(help: "Served before this time.")
    var to: String?

    @Option(help: "Served in the last DURATION (15m, 24h, 7d), instead of --from.")
    var last: String?

    @Option(help: "Exit 1 when more than this share of the values checked mismatch (0 to 1).")
    var maxMismatchRate: Double = 0

    @Option(name: .customLong("ignore"), help: "A cause not counted against --max-mismatch-rate (still reported); repeat for several.")
    var ignored: [String] = []

    @Option(help: "table (for people) or json (for machines).")
    var format: Format = .table

    func validate() throws {
        if last != nil && from != nil {
            throw ValidationError("give --from or --last, not both")
        }
        guard maxMismatchRate.isFinite, (0...1).contains(maxMismatchRate) else {
            throw ValidationError("--max-mismatch-rate is a share from 0 to 1, for example 0.001")
        }
        for cause in ignored where AuditCause(rawValue: cause) == nil {
            throw ValidationError("--ignore \(cause): the causes are \(AuditCause.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        var report: ServedAudit.Report?
        // 1 means "above the threshold": an audit that could not run exits 2 or more.
        try await CommandFailure.reporting {
            do {
                report = try audit()
            } catch let error as SkewlessError {
                var failure = CommandFailure(error)
                failure.exitCode = max(failure.exitCode, CommandFailure.rejectedInput)
                throw failure
            } catch let error as RepoError {
                throw CommandFailure(error.description, exitCode: CommandFailure.rejectedInput, isPrefixed: false)
            }
        }
        guard let report else { return }
        for warning in report.warnings {
            StandardError.write("warning: \(warning)")
        }
        let ignoring = Set(ignored.compactMap(AuditCause.init(rawValue:)))
        switch format {
        case .table: print(AuditPrinter.table(report), terminator: "")
        case .json: print(AuditPrinter.json(report, maxMismatchRate: maxMismatchRate, ignoring: ignoring))
        }
        let rate = report.mismatchRate(ignoring: ignoring)
        if rate > maxMismatchRate {
            StandardError.write(String(format: "audit failed: %.4f%% of the values checked mismatch, above --max-mismatch-rate %.4f%%", rate * 100, maxMismatchRate * 100))
            throw ExitCode(1)
        }
    }

    private func audit() throws -> ServedAudit.Report {
        let loaded = try FeatureRepoLoader.load(path: repo)
        if let service { _ = try loaded.resolve(service: service) }
        guard FileManager.default.fileExists(atPath: store) else {
            throw SkewlessError(.notFound, "there is no offline store at \(store): give the nodes' --segments directory with --store")
        }
        var selection = try ServedLogCommand.selection(service: service, node: node, from: from, to: to, last: last, now: WallClock.nowMicros())
        selection.node = node
        let report = try ServedAudit(repo: loaded, store: OfflineStore(directory: store)).run(selection)
        guard report.checked > 0 else {
            throw SkewlessError(
                .notFound, "the served-feature log at \(store) holds no values to check in that range\(service.map { " for \($0)" } ?? ""): give the service a log_sample_rate (docs/served-log.md), or widen the range")
        }
        return report
    }
}
