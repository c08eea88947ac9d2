import Foundation
import Logging
import SkewlessCluster
import SkewlessModel
import SkewlessOnlineStore
import Synchronization

/// A node's place in a cluster: its id, its cluster map (persisted at `mapPath`), which
/// partitions it has loaded and which it is loading, and the per-partition access rules the
/// request processor checks (docs/cluster.md, "On the wire").
///
/// Without a map the node is standalone: it holds and serves every entity, as a single node
/// always has. `install(json:)` (SET_CLUSTER_MAP) persists a newer map, then reconciles in the
/// background: partitions the map gives this node that are not loaded are loaded from the
/// segment store through `loader`, and rows of partitions it no longer holds are dropped from
/// the online store. A node restarted with the same map file does the same at start
/// (`restore()`), so it re-replicates its partitions from the segments. Partitions moving to
/// the node in phase `catching_up` are then copied from a current replica through `copier`
/// (EXPORT_ROWS) and reported caught up, which is what the coordinator waits for to flip them.
///
/// A node restarted with its map (`restore()`) also copies, after loading its partitions
/// from the segments and before serving them, the rows its peers hold for them: writes sent
/// to the replicas while it was down are not in the segments, and without them it would serve
/// older values than the replica that stayed up. This is best effort: partitions no peer can
/// give (every replica down or itself restarting, as in a whole-cluster restart) are served
/// from the segments, the source of truth, with a warning.
package final class ClusterMembership: Sendable {
    /// Loads the latest rows of every view for the entities `keep` accepts.
    package typealias PartitionLoader = @Sendable (_ keep: @escaping @Sendable (EntityKey) -> Bool) throws(SkewlessError) -> Void
    /// Copies the rows of partitions moving to this node from their current replicas; returns
    /// the partitions copied completely. `stillWanted` gives the partitions the node catches up
    /// on under its current map; the copier asks it as it goes.
    typealias PartitionCopier = @Sendable (_ partitions: [Int], _ map: ClusterMap, _ node: NodeID, _ stillWanted: @escaping @Sendable () -> Set<Int>) -> Set<Int>

    package let nodeID: String
    /// `nodeID` as a cluster node id; nil when it is not a valid one (then the node cannot
    /// join a cluster).
    private let node: NodeID?
    /// Where the map is kept; nil: the node cannot join a cluster.
    package let mapPath: String?
    private let store: OnlineStore
    private let logger: Logger
    /// The exports (EXPORT_ROWS) this node serves to nodes catching up.
    let exports = ExportSessions()

    private struct State {
        var map: ClusterMap?
        var mapJSON = Data()
        /// Partitions whose rows are in the online store.
        var loaded: Set<Int> = []
        /// Partitions the reconciler is loading now.
        var loading: Set<Int> = []
        var loader: PartitionLoader?
        /// Partitions moving to this node in `catching_up` whose rows it has copied.
        var caughtUp: Set<Int> = []
        /// Partitions a restarted node copies from its peers after loading them, before it
        /// serves them (see the type's documentation).
        var recovering: Set<Int> = []
        var copier: PartitionCopier?
        /// A reconciler thread is running.
        var reconciling = false
        /// The map or the loader changed since the reconciler last looked.
        var pending = false
        /// The node is shutting down: the reconciler stops.
        var stopped = false
    }

    private let state = Mutex(State())
    /// The control plane the node follows the map of (etcd's endpoints), if any.
    private let followedControlPlane = Mutex<String?>(nil)
    /// Read on every request; nil while standalone.
    private let currentAccess = Mutex<PartitionAccess?>(nil)
    /// Seconds to pause before trying a failed load again, doubling up to 30.
    private let firstRetryDelay: Double
    private static let maximumRetryDelay = 30.0

    package init(nodeID: String, mapPath: String?, store: OnlineStore, logger: Logger, firstRetryDelay: Double = 0.2) {
        self.nodeID = nodeID
        self.node = try? NodeID(nodeID)
        self.mapPath = mapPath
        self.store = store
        self.logger = logger
        self.firstRetryDelay = firstRetryDelay
    }

    // MARK: - Reading the state

    /// The control plane this node takes its map from, if any: then SET_CLUSTER_MAP is
    /// refused, so the map never changes behind the control plane's back.
    package var controlPlane: String? {
        followedControlPlane.withLock { $0 }
    }

    /// From now on the map comes from `description` (etcd's endpoints) only.
    package func follow(controlPlane description: String) {
        followedControlPlane.withLock { $0 = description }
    }

    /// The access rules of the current map; nil while standalone (every key is served).
    var access: PartitionAccess? {
        currentAccess.withLock { $0 }
    }

    /// The current map; nil while standalone.
    package var map: ClusterMap? {
        state.withLock { $0.map }
    }

    /// The map as JSON (empty while standalone), its epoch (0 while standalone), the
    /// partitions loaded and still held, and the partitions moving to this node in
    /// `catching_up` that it has copied from a replica, ascending.
    package var status: (mapJSON: Data, epoch: UInt64, loadedPartitions: [Int], caughtUpPartitions: [Int]) {
        state.withLock { state in
            (state.mapJSON, state.map?.epoch ?? 0, state.loaded.sorted(), state.caughtUp.sorted())
        }
    }

    /// Partitions being loaded now, ascending.
    package var loadingPartitions: [Int] {
        state.withLock { $0.loading.sorted() }
    }

    /// Which entities this node keeps, for a materialization: nil while standalone (all);
    /// otherwise the entities of the partitions the current map gives it, looked up when
    /// called, so a map installed during a long load takes effect at once.
    package var entityFilter: (@Sendable (EntityKey) -> Bool)? {
        guard access != nil else { return nil }
        return { [self] key in
            guard let access else { return true }
            return access.holds(access.partitioner.partition(of: key))
        }
    }

    // MARK: - Changing the map

    /// Sets how partitions are loaded (the node's materializer over its segment store). A
    /// node without one has nothing to load: a partition counts as loaded as soon as the map
    /// gives it to the node, and holds the rows written to it.
    package func setLoader(_ loader: @escaping PartitionLoader) {
        state.withLock { $0.loader = loader }
    }

    /// Sets how partitions in `catching_up` are copied from their replicas. A node without
    /// one reports them caught up as soon as they are loaded (it copies nothing).
    func setCopier(_ copier: @escaping PartitionCopier) {
        state.withLock { $0.copier = copier }
    }

    /// Reads the map file, if the node has one and it exists, installs the map and starts
    /// loading the node's partitions. Call once, before serving.
    /// - Throws: `INVALID_ARGUMENT` for a node id that is not a valid cluster node id; the
    ///   errors of `ClusterMapFile.load` (`DATA_LOSS` for a corrupt file, naming it) except
    ///   `NOT_FOUND`: without a file the node starts standalone and waits for SET_CLUSTER_MAP.
    package func restore() throws(SkewlessError) {
        guard let mapPath else { return }
        let node = try validNodeID()
        let map: ClusterMap
        do {
            map = try ClusterMapFile.load(from: mapPath)
        } catch where error.code == .notFound {
            logger.info("no cluster map yet: standalone until SET_CLUSTER_MAP", metadata: ["path": "\(mapPath)"])
            return
        }
        let json = try ClusterMapFile.encode(map)
        if map.node(node) == nil {
            logger.warning("this node is not in its cluster map: it holds no partitions", metadata: ["epoch": "\(map.epoch)", "node_id": "\(nodeID)"])
        }
        logger.info("cluster map restored", metadata: ["epoch": "\(map.epoch)", "partitions_held": "\(map.partitionsHeld(by: node).count)"])
        state.withLock { $0.recovering = Set(map.partitionsHeld(by: node)) }
        replace(map, json: json)
    }

    /// Installs a map sent by an operator (SET_CLUSTER_MAP): checked, persisted, then in
    /// effect, and the node's partitions reconciled in the background.
    /// - Returns: the node's epoch afterwards.
    /// - Throws: `FAILED_PRECONDITION` when the node has no map file, for an epoch older than
    ///   the node's (naming both) or equal with other content, or another partition count;
    ///   `INVALID_ARGUMENT` for JSON that is not a consistent map; `INTERNAL` when the file
    ///   cannot be written (the node keeps its map).
    package func install(json: Data) throws(SkewlessError) -> UInt64 {
        guard let mapPath else {
            throw SkewlessError(.failedPrecondition, "node \(nodeID) has no cluster map file: restart it with --cluster-map FILE (or cluster_map in its config file) so it can keep the map across restarts")
        }
        let node = try validNodeID()
        let map: ClusterMap
        do {
            map = try ClusterMapFile.decode(json, source: "the SET_CLUSTER_MAP request's map")
        } catch where error.code == .dataLoss {
            throw SkewlessError(.invalidArgument, error.message)
        }
        let canonical = try ClusterMapFile.encode(map)
        // One installation at a time, so epochs only grow and the file matches memory.
        return try state.withLock { (state) throws(SkewlessError) -> UInt64 in
            if let current = state.map {
                if map.epoch == current.epoch {
                    guard map == current else {
                        throw SkewlessError(.failedPrecondition, "node \(nodeID) already has a different cluster map at epoch \(current.epoch): two maps of one cluster never share an epoch; fetch the node's map (GET_CLUSTER_MAP) and plan from it")
                    }
                    return current.epoch
                }
                guard map.epoch > current.epoch else {
                    throw SkewlessError(.failedPrecondition, "the map's epoch \(map.epoch) is older than node \(nodeID)'s epoch \(current.epoch): fetch the node's map (GET_CLUSTER_MAP) and plan from it")
                }
                guard map.partitionCount == current.partitionCount else {
                    throw SkewlessError(.failedPrecondition, "the map has \(map.partitionCount) partitions but node \(nodeID)'s cluster has \(current.partitionCount): the partition count is fixed when a cluster is created; to create another cluster, stop the node and delete \(mapPath)")
                }
            }
            try ClusterMapFile.save(map, to: mapPath)
            if map.node(node) == nil {
                logger.warning("installed a cluster map without this node: it holds no partitions", metadata: ["epoch": "\(map.epoch)"])
            }
            logger.info("cluster map installed", metadata: ["epoch": "\(map.epoch)", "partitions_held": "\(map.partitionsHeld(by: node).count)"])
            replaceLocked(&state, map, json: canonical)
            return map.epoch
        }
    }

    private func validNodeID() throws(SkewlessError) -> NodeID {
        guard let node else {
            _ = try NodeID(nodeID)  // throws the descriptive error
            throw SkewlessError(.invalidArgument, "node id '\(nodeID)' is not a valid cluster node id")
        }
        return node
    }

    private func replace(_ map: ClusterMap, json: Data) {
        state.withLock { replaceLocked(&$0, map, json: json) }
    }

    /// Puts `map` in effect at once (the access rules change before any row moves) and asks
    /// the reconciler to load and drop partitions.
    private func replaceLocked(_ state: inout State, _ map: ClusterMap, json: Data) {
        state.map = map
        state.mapJSON = json
        state.loaded.formIntersection(heldPartitions(map))
        state.caughtUp.formIntersection(catchingUpPartitions(map))
        publishAccess(state)
        state.pending = true
        startReconcilerIfIdle(&state)
    }

    /// Rebuilds the access rules from the map and the loaded partitions.
    private func publishAccess(_ state: State) {
        let access = state.map.map { map in
            PartitionAccess(map: map, node: node, loaded: state.loaded)
        }
        currentAccess.withLock { $0 = access }
    }

    // MARK: - Reconciling

    private func startReconcilerIfIdle(_ state: inout State) {
        guard !state.reconciling else { return }
        state.reconciling = true
        Thread.detachNewThread { [self] in
            reconcile()
        }
    }

    /// What one pass of the reconciler does.
    private struct Step {
        var partitioner: Partitioner
        var held: Set<Int>
        var toLoad: Set<Int>
        var dropFirst: Bool
        var loader: PartitionLoader?
    }

    /// Runs on its own thread (loading millions of rows must not hold an event loop) until the
    /// node's partitions match its map: drops what it no longer holds, then loads what it
    /// lacks, then looks again in case the map changed meanwhile.
    private func reconcile() {
        var heldBefore: Set<Int>?
        var retryDelay = firstRetryDelay
        while let step = nextStep(heldBefore: heldBefore) {
            if step.dropFirst {
                let held = step.held
                let partitioner = step.partitioner
                let dropped = store.removeRows { !held.contains(partitioner.partition(of: $0)) }
                if dropped > 0 {
                    logger.info("dropped the rows of partitions this node no longer holds", metadata: ["rows": "\(dropped)"])
                }
            }
            heldBefore = step.held
            if !step.toLoad.isEmpty {
                do {
                    try load(step)
                    retryDelay = firstRetryDelay
                    recoverFromPeers(step.toLoad)
                    finishLoading(step.toLoad)
                } catch {
                    logger.error("loading partitions failed; retrying in \(retryDelay)", metadata: ["partitions": "\(step.toLoad.count)", "error": "\(error.message)"])
                    state.withLock { state in
                        state.loading = []
                        state.pending = true
                    }
                    Thread.sleep(forTimeInterval: retryDelay)
                    retryDelay = min(retryDelay * 2, Self.maximumRetryDelay)
                    continue
                }
            }
            if !catchUp() {
                logger.error("catching up on partitions failed on every replica; retrying in \(retryDelay)")
                waitForChange(upTo: retryDelay)
                state.withLock { $0.pending = true }
                retryDelay = min(retryDelay * 2, Self.maximumRetryDelay)
            } else {
                retryDelay = firstRetryDelay
            }
        }
    }

    /// Sleeps `seconds`, or less when a new map arrives or the node stops.
    private func waitForChange(upTo seconds: Double) {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
        while ContinuousClock.now < end {
            if state.withLock({ $0.pending || $0.stopped }) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Stops reconciling (loading, copying, retrying) once the current step ends: the node
    /// is shutting down.
    package func stop() {
        state.withLock { $0.stopped = true }
    }

    /// Copies the partitions moving to this node in `catching_up`, loaded and not yet caught
    /// up, from their replicas, and reports those copied. Copying after loading keeps the
    /// node's state the newest of both, whatever order rows arrive in (the write rule).
    /// - Returns: false when some partition could not be copied (retry later).
    private func catchUp() -> Bool {
        guard let node else { return true }
        let work = state.withLock { state -> (map: ClusterMap, partitions: [Int], copier: PartitionCopier?)? in
            guard let map = state.map else { return nil }
            let partitions = catchingUpPartitions(map).subtracting(state.caughtUp).intersection(state.loaded).sorted()
            return partitions.isEmpty ? nil : (map, partitions, state.copier)
        }
        guard let work else { return true }
        let copied: Set<Int>
        if let copier = work.copier {
            copied = copier(work.partitions, work.map, node) { [self] in
                map.map(catchingUpPartitions) ?? []
            }
        } else {
            copied = Set(work.partitions)
        }
        state.withLock { state in
            let current = state.map.map(catchingUpPartitions) ?? []
            state.caughtUp.formUnion(copied.intersection(current).intersection(state.loaded))
        }
        return copied.count == work.partitions.count
    }

    /// After a restart: copies the rows the peers hold for `loaded` (just loaded from the
    /// segments, not yet served) through the write rule, once. Partitions no peer could give
    /// are logged and served from the segments.
    private func recoverFromPeers(_ loaded: Set<Int>) {
        guard let node else { return }
        let work = state.withLock { state -> (map: ClusterMap, partitions: [Int], copier: PartitionCopier)? in
            let partitions = state.recovering.intersection(loaded)
            state.recovering.subtract(partitions)
            guard let map = state.map, let copier = state.copier, !partitions.isEmpty else { return nil }
            return (map, partitions.sorted(), copier)
        }
        guard let work else { return }
        let started = ContinuousClock.now
        let copied = work.copier(work.partitions, work.map, node) { [self] in
            state.withLock { $0.map.map(heldPartitions) ?? [] }
        }
        let missed = work.partitions.count - copied.count
        if missed > 0 {
            logger.warning("after the restart, some partitions could not be copied from a peer (none answered): serving them from the segments", metadata: [
                "partitions": "\(missed)", "copied": "\(copied.count)",
            ])
        } else {
            logger.info("after the restart, copied the peers' rows of the node's partitions", metadata: [
                "partitions": "\(copied.count)", "elapsed": "\(ContinuousClock.now - started)",
            ])
        }
    }

    /// The partitions moving to this node in `catching_up` under `map`.
    private func catchingUpPartitions(_ map: ClusterMap) -> Set<Int> {
        node.map { Set(map.partitionsCatchingUp(to: $0)) } ?? []
    }

    /// The next pass, or nil (and the reconciler stops) when nothing changed.
    private func nextStep(heldBefore: Set<Int>?) -> Step? {
        state.withLock { state -> Step? in
            guard state.pending, !state.stopped, let map = state.map else {
                state.reconciling = false
                return nil
            }
            state.pending = false
            let held = heldPartitions(map)
            let toLoad = held.subtracting(state.loaded)
            state.loading = toLoad
            // Standalone before (nil): the store may hold any entity.
            let dropFirst = heldBefore.map { !$0.isSubset(of: held) } ?? true
            return Step(partitioner: map.partitioner, held: held, toLoad: toLoad, dropFirst: dropFirst, loader: state.loader)
        }
    }

    /// Loads every partition the node holds (not only the new ones), so the materializer's
    /// watermarks stay true for all of them; rows already loaded are older or equal and change
    /// nothing. Waits while another materialization runs.
    private func load(_ step: Step) throws(SkewlessError) {
        guard let loader = step.loader else { return }
        let held = step.held
        let partitioner = step.partitioner
        let started = ContinuousClock.now
        while true {
            do {
                try loader { [self] key in
                    let partition = partitioner.partition(of: key)
                    // A map installed meanwhile that takes the partition away wins.
                    return held.contains(partition) && (access?.holds(partition) ?? false)
                }
                break
            } catch where error.code == .aborted {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        logger.info("loaded partitions from the segment store", metadata: [
            "partitions": "\(step.toLoad.count)", "elapsed": "\(ContinuousClock.now - started)",
        ])
    }

    /// The partitions `map` has this node keep: replicas, incoming moves, draining moves.
    private func heldPartitions(_ map: ClusterMap) -> Set<Int> {
        node.map { Set(map.partitionsHeld(by: $0)) } ?? []
    }

    private func finishLoading(_ partitions: Set<Int>) {
        state.withLock { state in
            let held = state.map.map(heldPartitions) ?? []
            state.loaded.formUnion(partitions.intersection(held))
            state.loading = []
            publishAccess(state)
        }
    }
}
