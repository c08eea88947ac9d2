/// Where a partition replica in motion stands (docs/cluster.md, "Rebalancing").
package enum MovePhase: String, Sendable, Hashable, Codable, CaseIterable {
    /// The incoming node loads the partition from the segment store. The outgoing node still
    /// owns it and serves its reads; writes go to both.
    case loading
    /// The incoming node copies the rows written since the segments it loaded from a current
    /// replica. Reads still go to the outgoing node; writes to both.
    case catchingUp = "catching_up"
    /// The epoch flipped: the incoming node owns the partition and serves it. The outgoing node
    /// still answers reads and takes writes from clients with an older map until the grace
    /// deadline, then drops the data.
    case draining
}
