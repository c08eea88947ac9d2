/// The membership change a rebalance plan carries out.
package enum ClusterChange: Sendable, Hashable, CustomStringConvertible {
    case addNode(ClusterNode)
    case removeNode(NodeID)

    package var description: String {
        switch self {
        case .addNode(let node): return "add \(node.id) at \(node.address)"
        case .removeNode(let id): return "remove \(id)"
        }
    }
}
