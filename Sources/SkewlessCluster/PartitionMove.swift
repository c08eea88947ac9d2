/// A replica in motion in the cluster map: slot `slot` of partition `partition` passing from
/// `from` to `to`.
package struct PartitionMove: Sendable, Hashable, Codable {
    package var partition: Int
    package var slot: Int
    package var from: NodeID
    package var to: NodeID
    package var phase: MovePhase
    /// While draining: when `from` may drop the data, in microseconds since the Unix epoch.
    /// 0 in the other phases.
    package var drainDeadlineMicros: Int64

    package init(_ move: ReplicaMove, phase: MovePhase = .loading, drainDeadlineMicros: Int64 = 0) {
        partition = move.partition
        slot = move.slot
        from = move.from
        to = move.to
        self.phase = phase
        self.drainDeadlineMicros = drainDeadlineMicros
    }

    package var replicaMove: ReplicaMove {
        ReplicaMove(partition: partition, slot: slot, from: from, to: to)
    }

    enum CodingKeys: String, CodingKey {
        case partition, slot, from, to, phase
        case drainDeadlineMicros = "drain_deadline_micros"
    }
}
