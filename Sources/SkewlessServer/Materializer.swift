import SkewlessModel
import SkewlessOfflineStore
import SkewlessOnlineStore
import NIOConcurrencyHelpers
import Synchronization

/// Loads the latest row of every entity from the offline segment store into the node's
/// online store, all of it or incrementally since a watermark kept per view version.
///
/// The rows chosen are the offline store's "latest as of T" (`OfflineStore.latestRows`, on
/// `LatestAsOf`, the same rule historical retrieval uses), so a value served after materializing up to T is the
/// value a training set gets at T. The online store keeps the newer row by (event time,
/// created time), so loading a row twice, or out of order with live writes, is harmless.
/// Rows go in through the online store's bulk path (`OnlineStore.load`: the state `write`
/// leaves, a column at a time), and a full load first sizes the view's key index from the
/// offline store's estimate of the entities to come.
///
/// Watermarks: a view's watermark W is the newest creation time among the rows it has read.
/// An incremental run loads only the entities with a row created after W (their latest row
/// as of T, so older rows never overwrite newer ones). One case it does not see: a row
/// created before W whose event time was still after T (dated in the future) when it was
/// read; a full run loads it. Watermarks live in memory, like the online store: a restarted
/// node starts with none, and its first materialization is a full one.
///
/// One materialization runs at a time. A run asked for while another is in progress waits
/// for it to end and then runs (an incremental one then reads only what arrived since); a
/// third, while one runs and one waits, is refused with `aborted`. A node's start load and an
/// operator's `fsctl materialize` thus never fail because of each other.
final class Materializer: Sendable {
    /// Where one view version stands.
    struct Watermark: Sendable, Hashable {
        var featureView: String
        /// The newest creation time read; 0 for a view with no rows yet. For people: the next
        /// incremental run goes by `arrival`.
        var watermarkMicros: Int64
        /// Where the store's order of arrival stood when this view was read: the next
        /// incremental run loads entities with rows that arrived after it.
        var arrival: ArrivalMark?
        var rowsScanned: Int
        var entitiesWritten: Int
    }

    /// A run in progress.
    struct Progress: Sendable, Hashable {
        var featureView: String
        var viewsDone: Int
        var viewsTotal: Int
        /// Entity rows of this view written so far.
        var entitiesWritten: Int
    }

    /// How a run that started ended (`skewless_materializations_total{result}`).
    enum Outcome: String, CaseIterable, Sendable {
        /// Every view asked for was loaded.
        case ok
        /// A view could not be loaded (the offline store's error).
        case failed
        /// The node began stopping, and the run gave up.
        case stopped
    }

    private struct State {
        var watermarks: [String: Watermark] = [:]
        var progress: Progress?
        var running = false
        /// A run waits for `turn` behind the one in progress.
        var waiting = false
    }

    let repo: FeatureRepo
    let online: OnlineStore
    let offline: OfflineStore?
    private let freshness: FreshnessTracker?
    private let clock: @Sendable () -> Int64
    private let state = Mutex(State())
    /// Held by the run in progress, for all of it: the next run waits on it.
    private let turn = NIOLock()
    /// Set by `stop`: the node is stopping.
    private let stopping = Atomic<Bool>(false)
    /// Told how each run that started ended, and how long it took (the node's metrics).
    private let onRun: (@Sendable (Outcome, Duration) -> Void)?

    init(
        repo: FeatureRepo,
        online: OnlineStore,
        offline: OfflineStore?,
        freshness: FreshnessTracker? = nil,
        clock: @escaping @Sendable () -> Int64 = WallClock.nowMicros,
        onRun: (@Sendable (Outcome, Duration) -> Void)? = nil
    ) {
        self.onRun = onRun
        self.repo = repo
        self.online = online
        self.offline = offline
        self.freshness = freshness
        self.clock = clock
    }

    /// The watermark of every view version materialized so far, by name.
    var watermarks: [Watermark] {
        state.withLock { $0.watermarks.values.sorted { $0.featureView < $1.featureView } }
    }

    var progress: Progress? {
        state.withLock { $0.progress }
    }

    /// Whether a run waits for the one in progress to end.
    var hasWaitingRun: Bool {
        state.withLock { $0.waiting }
    }

    /// The node is stopping: the run in progress gives up at its next batch of rows (a view
    /// it was loading keeps its old watermark, so a later run reads it again), and later runs
    /// fail at once, both with UNAVAILABLE. Shutdown then waits for a batch, not a whole load.
    func stop() {
        stopping.store(true, ordering: .relaxed)
    }

    private func checkNotStopping() throws(SkewlessError) {
        if stopping.load(ordering: .relaxed) {
            throw SkewlessError(.unavailable, "the node is stopping: materialization stopped; run it again on a node that is serving")
        }
    }

    /// Loads the named views (`name` for every version, `name@version` for one; empty for
    /// every view) as of `asOfMicros` (nil: now).
    /// - Parameters:
    ///   - full: reload every entity's latest row whatever the watermark.
    ///   - only: which entities to load (a cluster node loads its partitions); nil: all.
    /// - Returns: the watermark of each view version loaded, in repo order.
    /// - Throws: `failedPrecondition` when the node has no offline store, `notFound` for an
    ///   unknown view, `aborted` while one materialization runs and another waits, and the offline
    ///   store's errors (`dataLoss` for a corrupt segment, naming the file). A view that
    ///   fails keeps its previous watermark; views loaded before it keep theirs.
    func run(views names: [String], full: Bool, asOfMicros: Int64?, only: (@Sendable (EntityKey) -> Bool)? = nil) throws(SkewlessError) -> [Watermark] {
        guard let offline else {
            throw SkewlessError(.failedPrecondition, "this node has no offline store: start it with --segments DIR to materialize from segments")
        }
        let views = try select(names)
        try checkNotStopping()
        let asOf = asOfMicros ?? clock()
        let queued = try state.withLock { (state) throws(SkewlessError) -> Bool in
            guard !state.waiting else {
                throw SkewlessError(
                    .aborted,
                    "a materialization is running on this node and another waits to run after it: wait for them (fsctl health shows the progress), then ask again")
            }
            if state.running { state.waiting = true }
            return state.running
        }
        turn.lock()
        defer { turn.unlock() }
        state.withLock {
            if queued { $0.waiting = false }
            $0.running = true
        }
        defer { state.withLock { $0.running = false; $0.progress = nil } }
        try checkNotStopping()
        let started = ContinuousClock.now
        var outcome = Outcome.failed
        defer {
            if outcome == .failed, stopping.load(ordering: .relaxed) { outcome = .stopped }
            onRun?(outcome, started.duration(to: .now))
        }

        var loaded: [Watermark] = []
        for (done, view) in views.enumerated() {
            let name = view.qualifiedName
            let previous = state.withLock { $0.watermarks[name] }
            let since = full ? nil : previous?.arrival
            state.withLock {
                $0.progress = Progress(featureView: name, viewsDone: done, viewsTotal: views.count, entitiesWritten: 0)
            }
            var written = 0
            // Sized up front: growing a 10M-entry key index by doubling rehashed it a dozen times.
            let online = self.online
            let expecting = { (entities: Int) in
                online.reserveRows(view: view, rows: max(online.entityRowCount(view: view), entities))
            }
            let summary = try offline.latestRows(of: view, joinKeys: repo.joinKeys(of: view), asOf: asOf, since: since, keep: only, expecting: expecting) {
                (batch) throws(SkewlessError) in
                try checkNotStopping()
                written += try online.load(view: view, batch: batch, nowMicros: asOf).rowsWritten
                freshness?.note(view: view, batch: batch)
                state.withLock { $0.progress?.entitiesWritten = written }
            }
            // The next incremental run needs only entities with a row that arrived after
            // what this run read (in a segment or a write log), whatever its times.
            let newest = max(summary.maxCreatedTime ?? 0, previous?.watermarkMicros ?? 0)
            let watermark = Watermark(
                featureView: name, watermarkMicros: newest, arrival: summary.arrival, rowsScanned: summary.rowsScanned, entitiesWritten: written)
            if summary.maxCreatedTime != nil || previous != nil {
                // A view with no rows yet has no watermark (its next run reads everything anyway).
                state.withLock { $0.watermarks[name] = watermark }
            }
            loaded.append(watermark)
        }
        outcome = .ok
        return loaded
    }

    /// The view versions `names` designate, in repo order, without repeats.
    private func select(_ names: [String]) throws(SkewlessError) -> [FeatureView] {
        guard !names.isEmpty else { return repo.featureViews }
        var chosen = Set<String>()
        for name in names {
            if name.contains("@") {
                chosen.insert(try repo.featureView(qualified: name).qualifiedName)
            } else {
                let versions = repo.featureViews.filter { $0.name == name }
                guard !versions.isEmpty else {
                    _ = try repo.featureView(qualified: name)  // throws the descriptive not-found error
                    throw SkewlessError(.notFound, "unknown feature view '\(name)'")
                }
                chosen.formUnion(versions.map(\.qualifiedName))
            }
        }
        return repo.featureViews.filter { chosen.contains($0.qualifiedName) }
    }
}
