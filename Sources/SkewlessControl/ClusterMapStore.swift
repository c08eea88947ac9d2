import SkewlessCluster
import SkewlessModel

/// Where a cluster's map lives, and how a new epoch of it is published: on the nodes
/// themselves (`NodeMapStore`, the static mode) or in etcd (`EtcdMapStore`, the control
/// plane). The rebalance coordinator and the controller work on either.
package protocol ClusterMapStore: Sendable {
    /// The newest map.
    func load() async throws(SkewlessError) -> ClusterMap

    /// Publishes `map`, the successor of `previous` (loaded from this store, or published
    /// through it), to the store and to the nodes of both maps and `extra`.
    /// - Returns: the nodes that did not take it, and why; they learn it later (from etcd, or
    ///   `fsctl cluster sync`).
    /// - Throws: `ABORTED` when another writer published another map since `previous`
    ///   (load again and decide again); `UNAVAILABLE` when the store cannot be reached; in
    ///   the static mode, the error of a node receiving partitions that did not take it.
    func publish(_ map: ClusterMap, replacing previous: ClusterMap, alsoOn extra: [ClusterNode]) async throws(SkewlessError) -> [(node: ClusterNode, error: SkewlessError)]
}

extension ClusterMapStore {
    /// Every node of `map`, `previous` and `extra` once, the nodes receiving partitions
    /// first: they must know their role before clients that learned the new map from
    /// another node reach them.
    package static func installOrder(_ map: ClusterMap, _ previous: ClusterMap, _ extra: [ClusterNode]) -> [ClusterNode] {
        var all: [ClusterNode] = []
        for node in map.nodes + previous.nodes + extra where !all.contains(where: { $0.id == node.id }) {
            all.append(map.node(node.id) ?? node)
        }
        let incoming = Set(map.moves.map(\.to))
        return all.filter { incoming.contains($0.id) } + all.filter { !incoming.contains($0.id) }
    }
}
