import Skewless
import SkewlessCluster

/// Which nodes serve a written row: on one node, that node; in a cluster, the replicas of
/// the row's partition by the cluster map (docs/cluster.md), which the freshness probe
/// reads back one by one, each over a client of its own.
package struct ReplicaLocator: Sendable {
    private enum Placement: Sendable {
        case single(Endpoint)
        case cluster(ClusterMap)
    }

    private let placement: Placement

    package init(single endpoint: Endpoint) {
        placement = .single(endpoint)
    }

    package init(map: ClusterMap) {
        placement = .cluster(map)
    }

    /// The replicas serving reads of the row of entity `id` (a single int64 join key).
    package func replicas(ofInt64 id: Int64) -> [Endpoint] {
        switch placement {
        case .single(let endpoint):
            return [endpoint]
        case .cluster(let map):
            return map.replicas(of: map.partitioner.partition(ofInt64: id)).compactMap { map.node($0).map(Self.endpoint) }
        }
    }

    /// Every node that serves a partition.
    package var nodes: [Endpoint] {
        switch placement {
        case .single(let endpoint): return [endpoint]
        case .cluster(let map): return map.nodes.map(Self.endpoint)
        }
    }

    /// Whether the node is part of a cluster (even of one node): writes then go through the
    /// SDK's cluster router.
    package var isCluster: Bool {
        if case .cluster = placement { return true }
        return false
    }

    /// Replicas per partition (1 on one node).
    package var replicationFactor: Int {
        switch placement {
        case .single: return 1
        case .cluster(let map): return map.replicationFactor
        }
    }

    /// "1 node" or "3 nodes, 1024 partitions x 2 replicas, map epoch 4".
    package var description: String {
        switch placement {
        case .single(let endpoint): return "1 node (\(endpoint))"
        case .cluster(let map):
            return "\(map.nodes.count) node\(map.nodes.count == 1 ? "" : "s"), \(map.partitionCount) partitions x \(map.replicationFactor) replica\(map.replicationFactor == 1 ? "" : "s"), map epoch \(map.epoch)"
        }
    }

    /// Asks the node at `endpoint` for its cluster map: the cluster's placement when it is
    /// part of one, that node alone when not.
    package static func discover(from endpoint: Endpoint, timeout: Duration = .seconds(5)) async throws(SkewlessError) -> ReplicaLocator {
        let client = FeatureClient(endpoint: endpoint)
        do {
            let state = try await client.clusterState(timeout: timeout)
            await client.close()
            if state.mapJSON.isEmpty { return ReplicaLocator(single: endpoint) }
            return ReplicaLocator(map: try ClusterMapFile.decode(state.mapJSON, source: "the cluster map of node \(endpoint)"))
        } catch {
            await client.close()
            throw error
        }
    }

    private static func endpoint(_ node: ClusterNode) -> Endpoint {
        Endpoint(host: node.address.host, port: node.address.port)
    }
}
