import SkewlessModel

/// The cluster map: which nodes exist and where, which nodes hold each partition, and which
/// replicas are in motion, numbered by an epoch that grows with every change
/// (docs/cluster.md, "The cluster map").
///
/// A value. Every mutating operation that changes the map bumps `epoch` by one; nodes persist
/// the map (`ClusterMapFile`) and clients route by it. A node compares a request's epoch with
/// its own to tell a client with an old map to refresh.
package struct ClusterMap: Sendable, Hashable {
    /// How long an outgoing node keeps serving a moved partition after the flip, by default.
    package static let defaultGracePeriodMicros: Int64 = 30_000_000

    package internal(set) var epoch: UInt64
    package let partitioner: Partitioner
    package let replicationFactor: Int
    /// Ascending by id.
    package internal(set) var nodes: [ClusterNode]
    /// The serving replicas of every partition, in preferred order.
    package internal(set) var assignment: PartitionAssignment
    /// Replicas in motion, ascending by partition then slot; at most one per partition.
    package internal(set) var moves: [PartitionMove]

    package var partitionCount: Int { partitioner.partitionCount }

    /// A new cluster at epoch 1: every node up, partitions placed by the planner.
    /// - Throws: `INVALID_ARGUMENT` for a bad partition count or replication factor, fewer
    ///   nodes than replicas, or a node id or address listed twice.
    package static func create(nodes: [ClusterNode], partitionCount: Int = Partitioner.defaultPartitionCount, replicationFactor: Int) throws(SkewlessError) -> ClusterMap {
        let planner = try AssignmentPlanner(partitionCount: partitionCount, replicationFactor: replicationFactor)
        let nodes = nodes.map { ClusterNode(id: $0.id, address: $0.address, state: .up) }.sorted { $0.id < $1.id }
        guard Set(nodes.map(\.address)).count == nodes.count else {
            throw SkewlessError(.invalidArgument, "two nodes share an address: every node listens on its own host:port")
        }
        let assignment = try planner.initialAssignment(nodes: nodes.map(\.id))
        return try ClusterMap(
            epoch: 1,
            partitioner: Partitioner(partitionCount: partitionCount),
            replicationFactor: replicationFactor,
            nodes: nodes,
            assignment: assignment,
            moves: []
        )
    }

    /// A map from its parts, checked for consistency.
    /// - Throws: `DATA_LOSS` naming the first inconsistency (the parts come from a file or the
    ///   wire).
    package init(
        epoch: UInt64,
        partitioner: Partitioner,
        replicationFactor: Int,
        nodes: [ClusterNode],
        assignment: PartitionAssignment,
        moves: [PartitionMove]
    ) throws(SkewlessError) {
        self.epoch = epoch
        self.partitioner = partitioner
        self.replicationFactor = replicationFactor
        self.nodes = nodes.sorted { $0.id < $1.id }
        self.assignment = assignment
        self.moves = moves.sorted { ($0.partition, $0.slot) < ($1.partition, $1.slot) }
        if let problem = consistencyProblem() {
            throw SkewlessError(.dataLoss, "the cluster map (epoch \(epoch)) is inconsistent: \(problem)")
        }
    }

    // MARK: Lookups

    package func node(_ id: NodeID) -> ClusterNode? {
        nodes.first { $0.id == id }
    }

    /// The partition of a key: the same for every client (docs/cluster.md, sections 1-3).
    package func partition(of key: EntityKey) -> Int {
        partitioner.partition(of: key)
    }

    /// The nodes serving reads of a partition, in preferred order.
    package func replicas(of partition: Int) -> [NodeID] {
        assignment.replicas(of: partition)
    }

    /// The nodes a write to a partition goes to: its replicas, then a node it is moving to,
    /// then a node draining it.
    package func writeTargets(of partition: Int) -> [NodeID] {
        var targets = replicas(of: partition)
        if let move = move(of: partition) {
            if move.phase == .draining {
                targets.append(move.from)
            } else {
                targets.append(move.to)
            }
        }
        return targets
    }

    /// The move of a partition in motion, if any.
    package func move(of partition: Int) -> PartitionMove? {
        moves.first { $0.partition == partition }
    }

    /// What a node does for a partition: the check behind a wrong-shard reply.
    package func role(of node: NodeID, for partition: Int) -> PartitionRole {
        if let slot = replicas(of: partition).firstIndex(of: node) {
            return .replica(slot: slot)
        }
        if let move = move(of: partition) {
            if move.to == node && move.phase != .draining {
                return .incoming(move.phase)
            }
            if move.from == node && move.phase == .draining {
                return .draining(deadlineMicros: move.drainDeadlineMicros)
            }
        }
        return .none
    }

    /// The partitions a node serves as a replica, ascending.
    package func partitions(on node: NodeID) -> [Int] {
        assignment.partitions(on: node)
    }

    /// The partitions a node must keep in memory: those it serves, those moving to it and
    /// those it is draining, ascending.
    package func partitionsHeld(by node: NodeID) -> [Int] {
        (0..<partitionCount).filter { role(of: node, for: $0).holdsData }
    }

    /// The partitions with fewer than R replicas on `live` nodes, ascending.
    package func underReplicatedPartitions(live: Set<NodeID>) -> [Int] {
        (0..<partitionCount).filter { partition in
            replicas(of: partition).count(where: live.contains) < replicationFactor
        }
    }

    /// The partitions with no replica on a `live` node: reads of them fail.
    package func unavailablePartitions(live: Set<NodeID>) -> [Int] {
        (0..<partitionCount).filter { !replicas(of: $0).contains(where: live.contains) }
    }

    /// The nodes the map itself does not mark down.
    package var nodesNotDown: Set<NodeID> {
        Set(nodes.filter { $0.state != .down }.map(\.id))
    }

    // MARK: Consistency

    /// The first way the map contradicts itself, or nil.
    func consistencyProblem() -> String? {
        guard replicationFactor >= 1 else { return "replication factor \(replicationFactor)" }
        guard epoch >= 1 else { return "epoch 0 (epochs start at 1)" }
        let ids = nodes.map(\.id)
        guard Set(ids).count == ids.count else { return "a node id is listed twice" }
        let known = Set(ids)
        guard nodes.count >= replicationFactor else {
            return "\(nodes.count) nodes for \(replicationFactor) replicas"
        }
        guard assignment.partitionCount == partitionCount else {
            return "\(assignment.partitionCount) partitions listed, \(partitionCount) declared"
        }
        for (partition, replicas) in assignment.replicas.enumerated() {
            guard replicas.count == replicationFactor, Set(replicas).count == replicationFactor else {
                return "partition \(partition) has replicas \(replicas.map(\.rawValue)), not \(replicationFactor) distinct nodes"
            }
            if let stranger = replicas.first(where: { !known.contains($0) }) {
                return "partition \(partition) is on node \(stranger), which the map does not list"
            }
        }
        var moving = Set<Int>()
        for move in moves {
            guard (0..<partitionCount).contains(move.partition), (0..<replicationFactor).contains(move.slot) else {
                return "a move names partition \(move.partition) replica \(move.slot), which does not exist"
            }
            guard moving.insert(move.partition).inserted else {
                return "partition \(move.partition) has two moves"
            }
            guard known.contains(move.from), known.contains(move.to), move.from != move.to else {
                return "the move of partition \(move.partition) is between unknown or identical nodes"
            }
            let holder = assignment.replicas[move.partition][move.slot]
            let expected = move.phase == .draining ? move.to : move.from
            guard holder == expected else {
                return "partition \(move.partition) replica \(move.slot) is on \(holder) but its \(move.phase.rawValue) move expects \(expected)"
            }
            let other = move.phase == .draining ? move.from : move.to
            guard !assignment.replicas[move.partition].contains(other) else {
                return "partition \(move.partition) would have two replicas on \(other)"
            }
        }
        return nil
    }
}
