import Foundation
import Logging
import SkewlessCluster
import SkewlessModel
import SkewlessOnlineStore
import Synchronization

/// A node's place in a cluster: its id, its cluster map (`InstalledMap`, persisted at
/// `mapPath`), the partitions it has loaded and is loading (`PartitionReconciler`), and the
/// per-partition access rules the request processor checks (docs/cluster.md, "On the wire").
///
/// Without a map the node is standalone: it holds and serves every entity, as a single node
/// always has. `install(json:)` (SET_CLUSTER_MAP) persists a newer map, puts it in effect and
/// has the reconciler load the partitions the map gives this node and drop the rows of those
/// it no longer holds; a node restarted with the same map file does the same at start
/// (`restore()`), so it re-replicates its partitions from the segments. The reconciler runs
/// from `start()` to `stop()`, with the node.
package final class ClusterMembership: Sendable {
    package typealias PartitionLoader = PartitionReconciler.Loader
    typealias PartitionCopier = PartitionReconciler.Copier

    /// The map in effect and its file.
    package let installed: InstalledMap
    /// The partitions loaded, and the thread that loads, drops and copies them.
    package let reconciler: PartitionReconciler
    /// The exports (EXPORT_ROWS) this node serves to nodes catching up.
    let exports = ExportSessions()
    /// The control plane the node follows the map of (etcd's endpoints), if any.
    private let followedControlPlane = Mutex<String?>(nil)

    package init(nodeID: String, mapPath: String?, store: OnlineStore, logger: Logger, firstRetryDelay: Double = 0.2) {
        self.installed = InstalledMap(nodeID: nodeID, path: mapPath, logger: logger)
        self.reconciler = PartitionReconciler(node: installed.node, store: store, logger: logger, firstRetryDelay: firstRetryDelay)
    }

    package var nodeID: String { installed.nodeID }

    /// Where the map is kept; nil: the node cannot join a cluster.
    package var mapPath: String? { installed.path }

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
        reconciler.access
    }

    /// The current map; nil while standalone.
    package var map: ClusterMap? {
        installed.map
    }

    /// The map as JSON (empty while standalone), its epoch (0 while standalone), the
    /// partitions loaded and still held, and the partitions moving to this node in
    /// `catching_up` that it has copied from a replica, ascending: all of one map.
    package var status: (mapJSON: Data, epoch: UInt64, loadedPartitions: [Int], caughtUpPartitions: [Int]) {
        let (map, json) = installed.contents
        guard let map, let node = installed.node else {
            return (json, map?.epoch ?? 0, [], [])
        }
        // The reconciler may have moved on to a newer map meanwhile: keep to this one's.
        let partitions = reconciler.partitions
        let held = Set(map.partitionsHeld(by: node))
        let catchingUp = Set(map.partitionsCatchingUp(to: node))
        return (json, map.epoch, partitions.loaded.intersection(held).sorted(), partitions.caughtUp.intersection(catchingUp).sorted())
    }

    /// Partitions being loaded now, ascending.
    package var loadingPartitions: [Int] {
        reconciler.partitions.loading.sorted()
    }

    /// Which entities this node keeps, for a materialization: nil while standalone (all);
    /// otherwise the entities of the partitions the current map gives it, looked up when
    /// called, so a map installed during a long load takes effect at once.
    package var entityFilter: (@Sendable (EntityKey) -> Bool)? {
        guard access != nil else { return nil }
        return { [reconciler] key in
            guard let access = reconciler.access else { return true }
            return access.holds(access.partitioner.partition(of: key))
        }
    }

    // MARK: - Changing the map

    /// Sets how partitions are loaded (see `PartitionReconciler.setLoader`).
    package func setLoader(_ loader: @escaping PartitionLoader) {
        reconciler.setLoader(loader)
    }

    /// Sets how partitions in `catching_up` are copied from their replicas (see
    /// `PartitionReconciler.setCopier`).
    func setCopier(_ copier: @escaping PartitionCopier) {
        reconciler.setCopier(copier)
    }

    /// Reads the map file, if the node has one and it exists, and puts the map in effect;
    /// the reconciler loads the node's partitions, then copies its peers' rows of them.
    /// Call once, before serving.
    /// - Throws: as `InstalledMap.restore()`.
    package func restore() throws(SkewlessError) {
        if let map = try installed.restore() {
            reconciler.install(map, restored: true)
        }
    }

    /// Installs a map sent by an operator (SET_CLUSTER_MAP) or the control plane: checked,
    /// persisted, then in effect, and the node's partitions reconciled in the background.
    /// Blocks on the map file's fsyncs: never call it on an event loop.
    /// - Returns: the node's epoch afterwards.
    /// - Throws: as `InstalledMap.install(json:apply:)`.
    package func install(json: Data) throws(SkewlessError) -> UInt64 {
        try installed.install(json: json) { map in
            reconciler.install(map)
        }
    }

    /// Starts the reconciler's thread; call once, with the node.
    package func start() {
        reconciler.start()
    }

    /// Stops the reconciler: the load in progress finishes, then its thread ends; returns
    /// once it has. The node is shutting down.
    package func stop() {
        reconciler.stop()
    }
}
