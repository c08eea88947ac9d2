import SkewlessModel

// The `catching_up` phase of a move, seen from the incoming node: which partitions it must
// copy and from whom (docs/cluster.md, section 7).

extension ClusterMap {
    /// The partitions moving to `node` whose move is in `catching_up`, ascending: the node
    /// copies their rows from a current replica, then reports them caught up.
    package func partitionsCatchingUp(to node: NodeID) -> [Int] {
        moves.filter { $0.to == node && $0.phase == .catchingUp }.map(\.partition)
    }

    /// The nodes `node` may copy a partition's rows from, in the order to try them: the
    /// move's outgoing node first (it has served the partition all along), then the other
    /// replicas in preferred order. Nodes the map marks down come last (they may be back).
    /// Never `node` itself; empty when the partition has no other replica.
    package func catchUpSources(of partition: Int, for node: NodeID) -> [NodeID] {
        var order: [NodeID] = []
        if let move = move(of: partition), move.phase != .draining, move.from != node {
            order.append(move.from)
        }
        for replica in replicas(of: partition) where replica != node && !order.contains(replica) {
            order.append(replica)
        }
        let down = Set(nodes.filter { $0.state == .down }.map(\.id))
        return order.filter { !down.contains($0) } + order.filter { down.contains($0) }
    }
}
