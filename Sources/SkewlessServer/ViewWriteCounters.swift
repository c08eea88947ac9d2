import SkewlessModel
import Synchronization

/// Rows of write batches per view version and outcome since the node started: the metric
/// `skewless_writes_total{view,outcome}`.
///
/// - `logged`: rows this node appended to its write log (fsynced) as a batch's coordinator.
/// - `duplicate`: rows of a retried batch (same idempotency key) that were not logged again.
/// - `refused`: rows of batches refused whole before they were logged (an invalid batch,
///   the log's back-pressure, a log that could not be written); a batch naming no view of
///   the repo is refused without a count (it has no view to count under).
/// - `written`: rows this node stored in its online store (as coordinator or replica).
/// - `ignored_older`: rows it did not store because it held a newer row of the entity.
final class ViewWriteCounters: Sendable {
    enum Outcome: Int, CaseIterable, Sendable {
        case logged, duplicate, refused, written, ignoredOlder

        /// The metric label.
        var label: String {
            switch self {
            case .logged: return "logged"
            case .duplicate: return "duplicate"
            case .refused: return "refused"
            case .written: return "written"
            case .ignoredOlder: return "ignored_older"
            }
        }
    }

    /// An atomic in a class of its own, so that several can live in an array.
    final class Cell: Sendable {
        let value = Atomic<UInt64>(0)
    }

    /// One view version's counts, one atomic per outcome.
    final class Counts: Sendable {
        private let counts: [Cell]

        init() {
            counts = Outcome.allCases.map { _ in Cell() }
        }

        func add(_ rows: Int, _ outcome: Outcome) {
            guard rows > 0 else { return }
            counts[outcome.rawValue].value.wrappingAdd(UInt64(rows), ordering: .relaxed)
        }

        /// The count of every outcome, in `Outcome.allCases` order.
        var snapshot: [UInt64] {
            counts.map { $0.value.load(ordering: .relaxed) }
        }
    }

    private let byView: [String: Counts]

    init(views: [FeatureView]) {
        var byView: [String: Counts] = [:]
        for view in views { byView[view.qualifiedName] = Counts() }
        self.byView = byView
    }

    /// Counts `rows` of `view` ("name@version") under `outcome`; nothing for a view the repo
    /// does not have.
    func add(_ rows: Int, _ outcome: Outcome, view: String) {
        byView[view]?.add(rows, outcome)
    }

    /// The counts of `view`, in `Outcome.allCases` order; zeros for a view the repo does not have.
    func snapshot(of view: FeatureView) -> [UInt64] {
        byView[view.qualifiedName]?.snapshot ?? Outcome.allCases.map { _ in 0 }
    }
}
