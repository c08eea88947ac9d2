/// What a node does for one partition under a cluster map: what it must hold, and whether it
/// answers a read or a write for it or replies with a wrong-shard status.
package enum PartitionRole: Sendable, Hashable {
    /// A replica, in slot `slot` of the preferred order.
    case replica(slot: Int)
    /// A move brings the partition here; not yet serving reads.
    case incoming(MovePhase)
    /// A move took the partition away; still serving clients with an older map until the
    /// deadline (µs since the Unix epoch).
    case draining(deadlineMicros: Int64)
    /// The node has nothing to do with the partition.
    case none

    /// The node answers reads of the partition.
    package var servesReads: Bool {
        switch self {
        case .replica, .draining: return true
        case .incoming, .none: return false
        }
    }

    /// The node stores writes to the partition.
    package var acceptsWrites: Bool { self != .none }

    /// The node keeps the partition's rows in memory (loads them at start).
    package var holdsData: Bool { self != .none }
}
