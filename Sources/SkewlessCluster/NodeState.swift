/// A node's state in the cluster map.
package enum NodeState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Serving its partitions.
    case up
    /// Marked unreachable (by an operator or a failure detector). It keeps its partitions in
    /// the map, so they are under-replicated until it is back or removed; clients try it last.
    case down
    /// Added by a rebalance still in progress: loading the partitions moving to it.
    case joining
    /// Being removed by a rebalance in progress: serving until its partitions have moved and
    /// drained, then it leaves the map.
    case leaving
}
