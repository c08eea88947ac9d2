import SkewlessModel
import Synchronization

/// How many values this node has served per view version and value status since it started:
/// the base of completeness (HEALTH's `reads_*` fields, the metric
/// `skewless_feature_reads_total`, `fsctl check`).
///
/// One count per served value: a GetOnlineFeatures of 3 entities x 4 fields of a view adds 12
/// to that view's counts. Values refused with the whole request (an unknown feature, a
/// fail-closed view with a stale row, a wrong shard) were not served and are not counted.
///
/// The serving path tallies a view read's statuses in a `Tally` on the stack, as it gathers
/// each column, and adds the tally to the view's atomics once per view read: a handful of
/// relaxed atomic additions per request, no lock and no lookup (each `ServingPlan.ViewRead`
/// holds its view's `Counts`).
final class ViewReadCounters: Sendable {
    /// One view version's counts.
    final class Counts: Sendable {
        let view: String
        private let present = Atomic<UInt64>(0)
        private let notFound = Atomic<UInt64>(0)
        private let nullValue = Atomic<UInt64>(0)
        private let outsideTTL = Atomic<UInt64>(0)
        private let defaulted = Atomic<UInt64>(0)

        init(view: String) {
            self.view = view
        }

        /// Adds a view read's tally.
        @inline(__always)
        func add(_ tally: Tally) {
            if tally.present > 0 { present.wrappingAdd(UInt64(tally.present), ordering: .relaxed) }
            if tally.notFound > 0 { notFound.wrappingAdd(UInt64(tally.notFound), ordering: .relaxed) }
            if tally.nullValue > 0 { nullValue.wrappingAdd(UInt64(tally.nullValue), ordering: .relaxed) }
            if tally.outsideTTL > 0 { outsideTTL.wrappingAdd(UInt64(tally.outsideTTL), ordering: .relaxed) }
            if tally.defaulted > 0 { defaulted.wrappingAdd(UInt64(tally.defaulted), ordering: .relaxed) }
        }

        var snapshot: Snapshot {
            Snapshot(
                present: present.load(ordering: .relaxed), notFound: notFound.load(ordering: .relaxed),
                nullValue: nullValue.load(ordering: .relaxed), outsideTTL: outsideTTL.load(ordering: .relaxed),
                defaulted: defaulted.load(ordering: .relaxed))
        }
    }

    /// Served values per status, read at one moment (each count on its own: a read in
    /// progress may be in some and not yet in others).
    struct Snapshot: Sendable, Hashable {
        var present: UInt64 = 0
        var notFound: UInt64 = 0
        var nullValue: UInt64 = 0
        var outsideTTL: UInt64 = 0
        var defaulted: UInt64 = 0

        /// The count of `status`.
        func count(_ status: ValueStatus) -> UInt64 {
            switch status.storage {
            case .present: return present
            case .notFound: return notFound
            case .nullValue: return nullValue
            case .outsideTTL: return outsideTTL
            case .defaulted: return defaulted
            }
        }
    }

    /// The statuses of one view read, counted on the stack.
    struct Tally {
        var present = 0
        var notFound = 0
        var nullValue = 0
        var outsideTTL = 0
        var defaulted = 0

        @inline(__always)
        mutating func add(_ status: ValueStatus) {
            switch status.storage {
            case .present: present &+= 1
            case .notFound: notFound &+= 1
            case .nullValue: nullValue &+= 1
            case .outsideTTL: outsideTTL &+= 1
            case .defaulted: defaulted &+= 1
            }
        }

        @inline(__always)
        mutating func add(_ statuses: UnsafeMutableBufferPointer<ValueStatus>) {
            for status in statuses { add(status) }
        }

        @inline(__always)
        mutating func add(_ statuses: [ValueStatus]) {
            for status in statuses { add(status) }
        }
    }

    /// The tallies of one request's view reads, kept until every view is read. The first
    /// is inline, so a request for one view (the common case) allocates nothing; a request
    /// for several allocates one small array.
    struct Tallies {
        private var first = Tally()
        private var more: [Tally]

        init(count: Int) {
            more = count > 1 ? [Tally](repeating: Tally(), count: count - 1) : []
        }

        subscript(index: Int) -> Tally {
            get { index == 0 ? first : more[index - 1] }
            set {
                if index == 0 { first = newValue } else { more[index - 1] = newValue }
            }
        }
    }

    /// Per view version of the repo, by `qualifiedName`. Built once; never changes.
    private let byView: [String: Counts]

    init(views: [FeatureView]) {
        var byView: [String: Counts] = [:]
        for view in views {
            byView[view.qualifiedName] = Counts(view: view.qualifiedName)
        }
        self.byView = byView
    }

    /// The counts of `view` ("name@version"); a fresh, unshared one for a view the repo does
    /// not have (which a plan never reads).
    func counts(of view: FeatureView) -> Counts {
        byView[view.qualifiedName] ?? Counts(view: view.qualifiedName)
    }

    /// The counts of `view` now; zeros for a view the repo does not have.
    func snapshot(of view: FeatureView) -> Snapshot {
        byView[view.qualifiedName]?.snapshot ?? Snapshot()
    }
}
