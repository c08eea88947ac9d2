import SkewlessCluster
import SkewlessModel

/// The static mode's map store: every node holds the map (and persists it); the newest any
/// seed or listed node holds is the cluster's. Publishing installs the new map on every node,
/// one at a time. Nodes refuse an epoch older than theirs, which keeps two operators from
/// going backwards, but two writers of the same epoch are not excluded: run one operation at
/// a time (the etcd mode has a real compare-and-swap).
package struct NodeMapStore: ClusterMapStore {
    /// Nodes to read the map from, tried in order until one answers.
    package let seeds: [NodeAddress]
    package let admin: NodeAdmin

    package init(seeds: [NodeAddress], admin: NodeAdmin) {
        self.seeds = seeds
        self.admin = admin
    }

    package func load() async throws(SkewlessError) -> ClusterMap {
        try await admin.newestMap(from: seeds).map
    }

    package func publish(_ map: ClusterMap, replacing previous: ClusterMap) async throws(SkewlessError) -> [(node: ClusterNode, error: SkewlessError)] {
        let receiving = Set(map.moves.map(\.to))
        let nodes = Self.installOrder(map, previous)
        var failures: [(node: ClusterNode, error: SkewlessError)] = []
        let refused = try await admin.install(map, on: nodes)
        if refused.count == nodes.count, let (_, first) = refused.first, first.code == .failedPrecondition {
            // No node took it (they follow etcd, or hold another map): nothing changed.
            throw first
        }
        for (node, error) in refused {
            if receiving.contains(node.id) {
                throw SkewlessError(.unavailable, "\(node.id) at \(node.address) receives partitions but did not take epoch \(map.epoch): \(error.message). The cluster stays at the previous step; fix the node and run fsctl cluster sync, then fsctl rebalance --resume")
            }
            failures.append((node, error))
        }
        return failures
    }

    /// Every node of `map` and `previous` once (a node leaving the map still learns it holds
    /// nothing), the nodes receiving partitions first: they must know their role before
    /// clients that learned the new map from another node reach them.
    static func installOrder(_ map: ClusterMap, _ previous: ClusterMap) -> [ClusterNode] {
        var all: [ClusterNode] = []
        for node in map.nodes + previous.nodes where !all.contains(where: { $0.id == node.id }) {
            all.append(map.node(node.id) ?? node)
        }
        let incoming = Set(map.moves.map(\.to))
        return all.filter { incoming.contains($0.id) } + all.filter { !incoming.contains($0.id) }
    }
}
