import Logging
import SkewlessModel
import SkewlessOfflineStore
import Synchronization

/// The node's write logs, one per view version of its repo, in its offline store
/// (`log/NODE_ID/` of each view: docs/write-log.md). Opened, and repaired, before the node
/// serves; closed (every queued append made durable) when it stops.
final class WriteLogs: Sendable {
    let store: OfflineStore
    private let repo: FeatureRepo
    private let node: String
    private let logger: Logger
    private let logs = Mutex<[String: WriteLog]>([:])
    /// Each view's unsealed records as the sealer last counted them (in the offline store:
    /// other nodes' logs too), for HEALTH to answer from memory.
    private let backlogs = Mutex<[String: OfflineStore.LogBacklog]>([:])

    init(store: OfflineStore, repo: FeatureRepo, node: String, logger: Logger) {
        self.store = store
        self.repo = repo
        self.node = node
        self.logger = logger
    }

    /// Opens every view's log, logging what each repair cut.
    /// - Throws: `aborted` when another process logs as this node; I/O errors.
    func open() throws(SkewlessError) {
        for view in repo.featureViews {
            let log = try WriteLog(store: store, view: view, joinKeys: repo.joinKeys(of: view), node: node)
            for message in log.recovery {
                logger.warning("write log repaired: \(message)", metadata: ["view": "\(view.qualifiedName)"])
            }
            logs.withLock { $0[view.qualifiedName] = log }
        }
    }

    /// The open log of `view`.
    func log(for view: FeatureView) throws(SkewlessError) -> WriteLog {
        guard let log = logs.withLock({ $0[view.qualifiedName] }) else {
            throw SkewlessError(.unavailable, "the write log of \(view.qualifiedName) is not open: the node is starting or stopping; retry, or send the write to another node")
        }
        return log
    }

    func statistics(of view: FeatureView) -> WriteLog.Statistics? {
        logs.withLock { $0[view.qualifiedName] }?.currentStatistics
    }

    /// The unsealed records of `view` as the sealer last counted them (at most about a second
    /// ago while it runs); nil before its first count. Reading the log files instead would
    /// put file I/O on the event loop that answers HEALTH.
    func backlog(of view: FeatureView) -> OfflineStore.LogBacklog? {
        backlogs.withLock { $0[view.qualifiedName] }
    }

    /// Records what the sealer counted (`OfflineStore.logBacklog`).
    func recordBacklog(_ backlog: OfflineStore.LogBacklog, of view: FeatureView) {
        backlogs.withLock { $0[view.qualifiedName] = backlog }
    }

    /// Makes every queued append durable and closes the logs.
    func close() {
        let open = logs.withLock { logs in
            defer { logs.removeAll() }
            return Array(logs.values)
        }
        for log in open { log.close() }
    }
}
