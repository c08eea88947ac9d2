import Logging
import SkewlessCluster
import SkewlessModel
import SkewlessOnlineStore
import Synchronization

/// Makes a cluster node's online store match its map: partitions the map gives the node and
/// that it has not loaded are loaded from the segment store through `loader`, rows of
/// partitions it no longer holds are dropped, and partitions moving to it in `catching_up` are
/// copied from a current replica through `copier` (EXPORT_ROWS) and reported caught up, which
/// is what the rebalance coordinator waits for to flip them.
///
/// A node restarted with its map also copies, after loading its partitions from the segments
/// and before serving them, the rows its peers hold for them: writes sent to the replicas
/// while it was down are not in the segments, and without them it would serve older values
/// than the replica that stayed up. This is best effort: partitions no peer can give (every
/// replica down or itself restarting, as in a whole-cluster restart) are served from the
/// segments, the source of truth, with a warning.
///
/// What to do next is decided by `StateMachine`; this class performs it on a `BackgroundLoop`
/// of its own (loading millions of rows must not hold an event loop), started and stopped
/// with the node. The thread sleeps until something changes (`install`, `setLoader`,
/// `setCopier`, `stop`); only a retry after a failure waits for a time. It also publishes
/// the `PartitionAccess` of the map in effect and the partitions loaded, which every request
/// checks.
package final class PartitionReconciler: Sendable {
    /// Loads the latest rows of every view for the entities `keep` accepts.
    package typealias Loader = @Sendable (_ keep: @escaping @Sendable (EntityKey) -> Bool) throws(SkewlessError) -> Void
    /// Copies the rows of partitions from their replicas; returns the partitions copied
    /// completely. `stillWanted` gives the partitions still wanted under the current map (none
    /// once the node stops); the copier asks it as it goes and gives up the others.
    package typealias Copier = @Sendable (_ partitions: [Int], _ map: ClusterMap, _ node: NodeID, _ stillWanted: @escaping @Sendable () -> Set<Int>) -> Set<Int>

    /// This node; nil when its id is not a valid cluster node id (it holds nothing).
    let node: NodeID?
    private let store: OnlineStore
    private let logger: Logger
    private let machine: Mutex<StateMachine>
    private let work = Mutex<(loader: Loader?, copier: Copier?)>((nil, nil))
    /// Read on every request; nil while standalone. Replaced under `machine`'s lock, so it
    /// always matches the machine's map and loaded partitions.
    private let currentAccess = Mutex<PartitionAccess?>(nil)
    /// The thread, from `start` to `stop`.
    private let loop = Mutex<BackgroundLoop?>(nil)

    /// - Parameter firstRetryDelay: seconds to pause before trying a failed load or copy
    ///   again, doubling up to 30.
    package init(node: NodeID?, store: OnlineStore, logger: Logger, firstRetryDelay: Double = 0.2) {
        self.node = node
        self.store = store
        self.logger = logger
        self.machine = Mutex(StateMachine(node: node, firstRetryDelay: firstRetryDelay))
    }

    // MARK: - Reading the state

    /// The access rules of the map in effect; nil while standalone (every key is served).
    var access: PartitionAccess? {
        currentAccess.withLock { $0 }
    }

    /// Partitions loaded and still held, partitions being loaded, and partitions moving to
    /// this node in `catching_up` that it has copied from a replica.
    package var partitions: (loaded: Set<Int>, loading: Set<Int>, caughtUp: Set<Int>) {
        machine.withLock { ($0.loaded, $0.loading, $0.caughtUp) }
    }

    /// True while the reconciler's thread runs (from `start` until `stop` returns).
    package var isRunning: Bool {
        loop.withLock { $0 }?.isRunning ?? false
    }

    // MARK: - Changes

    /// Sets how partitions are loaded (the node's materializer over its segment store). A
    /// node without one has nothing to load: a partition counts as loaded as soon as the map
    /// gives it to the node, and holds the rows written to it.
    package func setLoader(_ loader: @escaping Loader) {
        work.withLock { $0.loader = loader }
        changed { $0.configured() }
    }

    /// Sets how partitions are copied from their replicas. A node without one reports
    /// partitions in `catching_up` caught up as soon as they are loaded (it copies nothing).
    package func setCopier(_ copier: @escaping Copier) {
        work.withLock { $0.copier = copier }
        changed { $0.configured() }
    }

    /// Puts `map` in effect at once (the access rules change before any row moves) and wakes
    /// the thread to load and drop partitions. A map no newer than the one in effect is
    /// ignored.
    /// - Parameter restored: read from the node's file at start (see the type's
    ///   documentation).
    package func install(_ map: ClusterMap, restored: Bool = false) {
        changed { _ = $0.install(map, restored: restored) }
    }

    /// Starts the thread; call once, with the node. Does nothing after `stop`.
    package func start() {
        let loop = BackgroundLoop(name: "sk-reconciler") { [weak self] in
            self?.round() ?? .finished
        }
        let begin = self.loop.withLock { current -> Bool in
            guard current == nil, !machine.withLock({ $0.isStopped }) else { return false }
            current = loop
            return true
        }
        if begin { loop.start() }
    }

    /// Stops reconciling (loading, copying, retrying): wakes the thread, lets the load in
    /// progress finish (copies give up at their next page), and waits for the thread to end.
    package func stop() {
        machine.withLock { $0.stop() }
        loop.withLock { $0 }?.stop()
    }

    /// Applies `change` to the machine, republishes the access rules, and wakes the thread.
    private func changed(_ change: (inout StateMachine) -> Void) {
        machine.withLock { machine in
            change(&machine)
            publishAccess(machine)
        }
        loop.withLock { $0 }?.wake()
    }

    /// Rebuilds the access rules from the machine's map and loaded partitions; called with
    /// the machine's lock held.
    private func publishAccess(_ machine: StateMachine) {
        let access = machine.map.map { PartitionAccess(map: $0, node: node, loaded: machine.loaded) }
        currentAccess.withLock { $0 = access }
    }

    // MARK: - The thread

    /// Performs the machine's actions until it asks to wait.
    private func round() -> BackgroundLoop.Pause {
        var action = machine.withLock { $0.resume() }
        while true {
            switch action {
            case .drop(let keeping, let partitioner):
                let dropped = store.removeRows { !keeping.contains(partitioner.partition(of: $0)) }
                if dropped > 0 {
                    logger.info("dropped the rows of partitions this node no longer holds", metadata: ["rows": "\(dropped)"])
                }
                action = machine.withLock { $0.dropped() }
            case .load(let load):
                let outcome = self.load(load)
                action = machine.withLock { machine in
                    defer { publishAccess(machine) }
                    return machine.loadFinished(outcome)
                }
            case .recover(let partitions, let map):
                recover(partitions, map: map)
                action = machine.withLock { machine in
                    defer { publishAccess(machine) }
                    return machine.recovered()
                }
            case .catchUp(let partitions, let map):
                let copied = catchUp(partitions, map: map)
                action = machine.withLock { $0.caughtUp(copied) }
            case .wait(let retryAfter):
                return retryAfter.map { .upTo(seconds: $0) } ?? .untilWoken
            case .stop:
                return .finished
            }
        }
    }

    /// Loads `load.held`: what the loader loads for a partition a map installed meanwhile
    /// takes away is skipped.
    private func load(_ load: StateMachine.Load) -> StateMachine.LoadOutcome {
        guard let loader = work.withLock({ $0.loader }) else { return .loaded }
        let held = load.held
        let partitioner = load.partitioner
        let started = ContinuousClock.now
        do {
            try loader { [self] key in
                let partition = partitioner.partition(of: key)
                // A map installed meanwhile that takes the partition away wins.
                return held.contains(partition) && (access?.holds(partition) ?? false)
            }
        } catch where error.code == .aborted {
            // Another materialization runs (MATERIALIZE): try again once it may be done.
            return .busy
        } catch {
            let delay = machine.withLock { $0.retryDelay }
            logger.error("loading partitions failed; retrying in \(delay) s", metadata: [
                "partitions": "\(load.partitions.count)", "error": "\(error.message)",
            ])
            return .failed
        }
        logger.info("loaded partitions from the segment store", metadata: [
            "partitions": "\(load.partitions.count)", "elapsed": "\(ContinuousClock.now - started)",
        ])
        return .loaded
    }

    /// After a restart: copies the rows the peers hold for `partitions` (just loaded from the
    /// segments, not yet served) through the write rule. Partitions no peer could give are
    /// logged and served from the segments.
    private func recover(_ partitions: [Int], map: ClusterMap) {
        guard let node, let copier = work.withLock({ $0.copier }) else { return }
        let started = ContinuousClock.now
        let copied = copier(partitions, map, node) { [self] in
            machine.withLock { $0.isStopped ? [] : $0.heldPartitions }
        }
        let missed = partitions.count - copied.count
        if machine.withLock({ $0.isStopped }) {
            return
        } else if missed > 0 {
            logger.warning("after the restart, some partitions could not be copied from a peer (none answered): serving them from the segments", metadata: [
                "partitions": "\(missed)", "copied": "\(copied.count)",
            ])
        } else {
            logger.info("after the restart, copied the peers' rows of the node's partitions", metadata: [
                "partitions": "\(copied.count)", "elapsed": "\(ContinuousClock.now - started)",
            ])
        }
    }

    /// Copies `partitions`, moving to this node in `catching_up`, from their replicas.
    /// - Returns: the partitions copied completely.
    private func catchUp(_ partitions: [Int], map: ClusterMap) -> Set<Int> {
        guard let node, let copier = work.withLock({ $0.copier }) else { return Set(partitions) }
        let copied = copier(partitions, map, node) { [self] in
            machine.withLock { $0.isStopped ? [] : $0.catchingUpPartitions }
        }
        if copied.count < partitions.count, !machine.withLock({ $0.isStopped }) {
            let delay = machine.withLock { $0.retryDelay }
            logger.error("catching up on partitions failed on every replica; retrying in \(delay) s", metadata: [
                "partitions": "\(partitions.count - copied.count)",
            ])
        }
        return copied
    }
}
