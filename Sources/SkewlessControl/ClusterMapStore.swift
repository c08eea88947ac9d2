import SkewlessCluster
import SkewlessModel

/// Where a cluster's map lives, and how a new epoch of it is published: on the nodes
/// themselves (`NodeMapStore`, the static mode) or in etcd (`EtcdMapStore`, the control
/// plane). The rebalance coordinator and the controller work on either.
package protocol ClusterMapStore: Sendable {
    /// The newest map.
    func load() async throws(SkewlessError) -> ClusterMap

    /// Publishes `map`, the successor of `previous` (loaded from this store, or published
    /// through it), to the store and so to the nodes of both maps.
    /// - Returns: the nodes that did not take it, and why; they learn it later (from etcd, or
    ///   `fsctl cluster sync`).
    /// - Throws: `ABORTED` when another writer published another map since `previous`
    ///   (load again and decide again); `UNAVAILABLE` when the store cannot be reached; in
    ///   the static mode, the error of a node receiving partitions that did not take it.
    func publish(_ map: ClusterMap, replacing previous: ClusterMap) async throws(SkewlessError) -> [(node: ClusterNode, error: SkewlessError)]
}

