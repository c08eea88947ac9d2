import Foundation
import Logging
import SkewlessModel
import SkewlessOfflineStore
import SkewlessOnlineStore
import Synchronization

/// Applies, every `interval`, the write log records other nodes logged since it last looked,
/// for the partitions this node holds: a replica that missed a coordinator's application
/// (paused, partitioned, briefly unreachable, or named in `replicas_missed`) catches up by
/// itself within about an interval, from the durable log (docs/write-log.md, "Recovery").
///
/// Applying is idempotent (the online store keeps the newer row by event time, then created
/// time), so rows it applies again change nothing. It skips its own log (a coordinator applies
/// its rows on itself before it acknowledges them) and the records a coordinator already
/// applied here (`AppliedRecords`), so in the usual case it applies nothing. Where it starts:
/// the end of every log when the node starts, before it loads the store (which covers
/// everything before). Records sealed and deleted before it read them are in segments: it
/// cannot follow them; a reload (`fsctl materialize --full`) covers them.
///
/// A `BackgroundLoop` of its own, started by `start` and ended by `stop`.
final class LogFollower: Sendable {
    private struct State {
        var marks: [String: [String: LogPosition]] = [:]
        var started = false
    }

    private let store: OfflineStore
    private let repo: FeatureRepo
    private let online: OnlineStore
    private let membership: ClusterMembership
    private let freshness: FreshnessTracker
    private let applied: AppliedRecords
    /// Where the rows it stores are counted (`written`, `ignored_older`), as a coordinator's are.
    private let counts: ViewWriteCounters
    private let node: String
    private let interval: Double
    private let logger: Logger
    private let state = Mutex(State())
    private let loop = Mutex<BackgroundLoop?>(nil)

    init(
        store: OfflineStore, repo: FeatureRepo, online: OnlineStore, membership: ClusterMembership, freshness: FreshnessTracker,
        applied: AppliedRecords, counts: ViewWriteCounters, node: String, interval: Double, logger: Logger
    ) {
        self.applied = applied
        self.counts = counts
        self.store = store
        self.repo = repo
        self.online = online
        self.membership = membership
        self.freshness = freshness
        self.node = node
        self.interval = interval
        self.logger = logger
    }

    /// Notes where every log ends now, then follows from there on a thread of its own.
    func start() {
        let begin = state.withLock { state -> Bool in
            guard !state.started else { return false }
            state.started = true
            return true
        }
        guard begin else { return }
        for view in repo.featureViews {
            do {
                let now = try store.follow(view: view, joinKeys: repo.joinKeys(of: view), from: nil)
                state.withLock { $0.marks[view.qualifiedName] = now.ends }
            } catch {
                logger.warning("cannot read the write logs to follow them: \(error.message)", metadata: ["view": "\(view.qualifiedName)"])
            }
        }
        let loop = BackgroundLoop(name: "sk-log-follower", interval: interval) { [self] in
            followOnce()
            return false
        }
        self.loop.withLock { $0 = loop }
        loop.start()
    }

    /// Ends the loop after the round in progress, and waits for it.
    func stop() {
        loop.withLock { $0 }?.stop()
    }

    /// One round over every view.
    private func followOnce() {
        for view in repo.featureViews where !(loop.withLock { $0 }?.isStopping ?? false) {
            follow(view)
        }
    }

    private func follow(_ view: FeatureView) {
        let name = view.qualifiedName
        let marks = state.withLock { $0.marks[name] }
        let read: OfflineStore.FollowedRecords
        do {
            read = try store.follow(view: view, joinKeys: repo.joinKeys(of: view), from: marks ?? [:])
        } catch {
            logger.warning("cannot read the write logs to follow them: \(error.message)", metadata: ["view": "\(name)"])
            return
        }
        let keep = membership.entityFilter
        var written = 0
        for entry in read.entries where entry.node != node && !self.applied.contains(view: name, node: entry.node, sequence: entry.record.sequence) {
            let rows = entry.record.rows
            var batch = WriteBatch(
                keys: (0..<rows.count).map { rows.keys.key(at: $0) }, eventTimes: rows.eventTimes, createdTimes: rows.createdTimes,
                fields: rows.fields.map { Optional($0) })
            if let keep {
                let chosen = batch.keys.indices.filter { keep(batch.keys[$0]) }
                guard !chosen.isEmpty else { continue }
                if chosen.count < batch.rowCount { batch = batch.gathered(chosen) }
            }
            do {
                let result = try online.write(view: view, batch: batch, nowMicros: WallClock.nowMicros())
                written += result.rowsWritten
                counts.add(result.rowsWritten, .written, view: name)
                counts.add(result.rowsIgnoredOlder, .ignoredOlder, view: name)
                freshness.note(view: view, batch: batch)
            } catch {
                logger.warning("cannot apply a followed write: \(error.message)", metadata: ["view": "\(name)", "from": "\(entry.node)"])
            }
        }
        if written > 0 {
            logger.info("applied rows from other nodes' logs that no coordinator had applied here", metadata: ["view": "\(name)", "rows": "\(written)"])
        }
        state.withLock { $0.marks[name] = read.ends }
    }
}
