/// The membership change a rebalance plan carries out.
package enum ClusterChange: Sendable, Hashable, CustomStringConvertible {
    case addNode(ClusterNode)
    case removeNode(NodeID)
    /// Re-replication: the replicas of nodes marked down move to live nodes. The nodes stay
    /// in the map, down and holding nothing, so that one coming back rejoins (`balance`).
    case evacuate([NodeID])
    /// The replicas spread evenly again over the nodes up, such as one back from a failure.
    case balance

    package var description: String {
        switch self {
        case .addNode(let node): return "add \(node.id) at \(node.address)"
        case .removeNode(let id): return "remove \(id)"
        case .evacuate(let ids): return "re-replicate the partitions of \(ids.map(\.rawValue).joined(separator: ", ")) (down)"
        case .balance: return "balance the partitions over the nodes up"
        }
    }
}
