import Foundation
import Logging
import SkewlessModel
import SkewlessOfflineStore
import Synchronization

/// Seals the write logs of every view into segments in the background
/// (`OfflineStore.seal`: crash-safe, manifest swapped atomically, log files deleted only
/// after), so that compaction and rebuilds read ordinary segments and the logs stay short.
///
/// Every node with an offline store runs one, and each sealing takes every node's unsealed
/// records of the view, so a dead node's log is sealed by the others. The view's lock makes
/// the nodes take turns; a sealing that finds it held (another node sealing, an ingest,
/// a compaction) waits for the next round. A view is sealed every `interval`, or sooner
/// when this node has logged `sealAfterBytes` since its last sealing.
///
/// A `BackgroundLoop` of its own, started by `start` and ended (after the sealing in
/// progress) by `stop`.
final class LogSealer: Sendable {
    struct Options: Sendable {
        var interval: Double = 5
        var sealAfterBytes: UInt64 = 64 << 20
        var deduplicationWindowMicros: Int64 = 600_000_000
    }

    private struct State {
        var lastSealed: [String: Double] = [:]
        var bytesAtLastSeal: [String: UInt64] = [:]
        /// Per view: the unsealed bytes (every node's log) measured after the last sealing,
        /// and this node's logged bytes at that moment.
        var backlog: [String: (bytes: UInt64, loggedThen: UInt64)] = [:]
    }

    private let store: OfflineStore
    private let repo: FeatureRepo
    private let logs: WriteLogs
    private let options: Options
    private let logger: Logger
    private let state = Mutex(State())
    private let loop = Mutex<BackgroundLoop?>(nil)

    init(store: OfflineStore, repo: FeatureRepo, logs: WriteLogs, options: Options, logger: Logger) {
        self.store = store
        self.repo = repo
        self.logs = logs
        self.options = options
        self.logger = logger
    }

    /// About how many bytes of the view's logs are unsealed now: what the last sealing left,
    /// plus what this node logged since.
    func backlogBytes(of view: FeatureView) -> UInt64 {
        let logged = logs.statistics(of: view)?.bytesLogged ?? 0
        return state.withLock { state in
            guard let measured = state.backlog[view.qualifiedName] else { return logged }
            return measured.bytes + (logged &- measured.loggedThen)
        }
    }

    func start() {
        let loop = BackgroundLoop(name: "sk-log-sealer", interval: min(1, options.interval / 5)) { [self] in round() }
        self.loop.withLock { $0 = loop }
        loop.start()
    }

    /// Ends the loop after the sealing in progress, and waits for it.
    func stop() {
        loop.withLock { $0 }?.stop()
    }

    /// Seals the views that are due; true when one is behind (a backlog larger than a sealing).
    private func round() -> Bool {
        let now = Date().timeIntervalSince1970
        var behind = false
        for view in repo.featureViews where !(loop.withLock { $0 }?.isStopping ?? false) {
            let name = view.qualifiedName
            let logged = logs.statistics(of: view)?.bytesLogged ?? 0
            let due = state.withLock { state in
                now - (state.lastSealed[name] ?? 0) >= options.interval
                    || logged - (state.bytesAtLastSeal[name] ?? 0) >= options.sealAfterBytes
            }
            guard due else {
                countBacklog(of: view)  // not sealing this round: counted anyway, for HEALTH
                continue
            }
            state.withLock {
                $0.lastSealed[name] = now
                $0.bytesAtLastSeal[name] = logged
            }
            if seal(view)?.more == true {
                // A backlog larger than one sealing: go on at once.
                state.withLock { $0.lastSealed[name] = 0 }
                behind = true
            }
        }
        return behind
    }

    /// Counts the view's unsealed records (their headers only) and keeps the count in `logs`
    /// for HEALTH; nil when the log cannot be read.
    @discardableResult
    private func countBacklog(of view: FeatureView) -> OfflineStore.LogBacklog? {
        let backlog = try? store.logBacklog(of: view, joinKeys: repo.joinKeys(of: view))
        if let backlog { logs.recordBacklog(backlog, of: view) }
        return backlog
    }

    @discardableResult
    private func seal(_ view: FeatureView) -> OfflineStore.SealSummary? {
        do {
            let logged = logs.statistics(of: view)?.bytesLogged ?? 0
            let summary = try store.seal(view: view, joinKeys: repo.joinKeys(of: view), deduplicationWindowMicros: options.deduplicationWindowMicros)
            let backlog = countBacklog(of: view)
            state.withLock { $0.backlog[view.qualifiedName] = (backlog?.bytes ?? 0, logged) }
            if summary.records > 0 || summary.duplicates > 0 {
                logger.debug("sealed the write log", metadata: [
                    "view": "\(view.qualifiedName)", "records": "\(summary.records)", "rows": "\(summary.rows)",
                    "duplicates": "\(summary.duplicates)", "segment": "\(summary.segment.map { String($0.number) } ?? "-")",
                    "log_files_deleted": "\(summary.logFilesDeleted)",
                ])
            }
            return summary
        } catch where error.code == .aborted {
            return nil  // another writer holds the view: next round
        } catch {
            logger.warning("could not seal the write log: \(error.message)", metadata: ["view": "\(view.qualifiedName)"])
            return nil
        }
    }
}
