import SkewlessModel

/// Places P partitions × R replicas on nodes: balanced to within one replica per node, no two
/// replicas of a partition on one node, and moving as few replicas as possible when nodes come
/// and go (docs/cluster.md, "Partition to nodes").
///
/// The planner starts from the current assignment and changes only what it must:
///
/// 1. Replicas on nodes that are no longer in the cluster become unplaced.
/// 2. Each node gets a target of ⌊PR/N⌋ or ⌈PR/N⌉ replicas; the larger targets go to the nodes
///    that hold the most already, so nothing moves just to trade places.
/// 3. Unplaced replicas go to nodes under target, each to the one that ranks highest for the
///    partition by rendezvous score (`XXH64(partition as 4 bytes LE ++ node id)`); when every
///    node under target already holds the partition, a replica placed earlier in this step is
///    shifted to make room.
/// 4. Nodes under target take replicas from nodes over target, highest-ranked partitions first.
///
/// The result depends only on the inputs (node order included: nodes are sorted), never on
/// hashing seeds or dictionary order.
package struct AssignmentPlanner: Sendable {
    package let partitionCount: Int
    package let replicationFactor: Int

    /// - Throws: `INVALID_ARGUMENT` for a partition count outside 1...65 536 or a replication
    ///   factor below 1.
    package init(partitionCount: Int, replicationFactor: Int) throws(SkewlessError) {
        _ = try Partitioner(partitionCount: partitionCount)
        guard replicationFactor >= 1 else {
            throw SkewlessError(.invalidArgument, "the replication factor is at least 1, not \(replicationFactor)")
        }
        self.partitionCount = partitionCount
        self.replicationFactor = replicationFactor
    }

    /// The assignment of a new cluster.
    package func initialAssignment(nodes: [NodeID]) throws(SkewlessError) -> PartitionAssignment {
        try assignment(from: nil, nodes: nodes)
    }

    /// The assignment after the cluster's nodes become `nodes`, moving as little as possible.
    /// - Throws: `INVALID_ARGUMENT` for fewer nodes than replicas or a repeated node, or an
    ///   assignment of another partition count.
    package func rebalance(_ current: PartitionAssignment, nodes: [NodeID]) throws(SkewlessError) -> PartitionAssignment {
        guard current.partitionCount == partitionCount else {
            throw SkewlessError(.invalidArgument, "the assignment has \(current.partitionCount) partitions but the cluster has \(partitionCount)")
        }
        return try assignment(from: current, nodes: nodes)
    }

    /// The rendezvous score of a node for a partition: higher ranks first. XXH64 (seed 0) of the
    /// partition as 4 bytes little-endian followed by the node id's UTF-8 bytes.
    package static func score(partition: Int, node: NodeID) -> UInt64 {
        var hasher = XXHash64()
        hasher.append(rawBytesOf: UInt32(truncatingIfNeeded: partition).littleEndian)
        var id = node.rawValue
        id.withUTF8 { hasher.append(UnsafeRawBufferPointer($0)) }
        return hasher.finalize()
    }

    private func assignment(from current: PartitionAssignment?, nodes unsortedNodes: [NodeID]) throws(SkewlessError) -> PartitionAssignment {
        let nodes = unsortedNodes.sorted()
        guard zip(nodes, nodes.dropFirst()).allSatisfy({ $0 != $1 }) else {
            throw SkewlessError(.invalidArgument, "a node is listed twice: every node id is unique")
        }
        guard nodes.count >= replicationFactor else {
            throw SkewlessError(.invalidArgument, "\(replicationFactor) replicas need at least \(replicationFactor) nodes but the cluster would have \(nodes.count): add nodes first or lower the replication factor")
        }
        var state = PlannerState(
            nodes: nodes,
            partitionCount: partitionCount,
            replicationFactor: replicationFactor,
            current: current
        )
        state.placeUnplacedReplicas()
        try state.fillNodesUnderTarget()
        return PartitionAssignment(replicas: state.slots.map { $0.map { nodes[$0] } })
    }
}

/// The planner's working state, by node index (into the sorted node list).
private struct PlannerState {
    static let unplaced = -1

    let nodeCount: Int
    let partitionCount: Int
    let replicationFactor: Int
    /// `scores[partition * nodeCount + node]`.
    let scores: [UInt64]
    /// `slots[partition][slot]`: a node index, or `unplaced`.
    var slots: [[Int]]
    var counts: [Int]
    var targets: [Int]
    /// Replicas placed by `placeUnplacedReplicas`, per node, as (partition, slot): the ones it
    /// may shift again to make room.
    var placedNow: [[(partition: Int, slot: Int)]]

    init(nodes: [NodeID], partitionCount: Int, replicationFactor: Int, current: PartitionAssignment?) {
        nodeCount = nodes.count
        self.partitionCount = partitionCount
        self.replicationFactor = replicationFactor
        var scores = [UInt64](repeating: 0, count: partitionCount * nodes.count)
        for partition in 0..<partitionCount {
            for (index, node) in nodes.enumerated() {
                scores[partition * nodes.count + index] = AssignmentPlanner.score(partition: partition, node: node)
            }
        }
        self.scores = scores

        var indexOf: [NodeID: Int] = [:]
        for (index, node) in nodes.enumerated() {
            indexOf[node] = index
        }
        var slots = [[Int]](repeating: [Int](repeating: Self.unplaced, count: replicationFactor), count: partitionCount)
        var counts = [Int](repeating: 0, count: nodes.count)
        if let current {
            for partition in 0..<partitionCount {
                for (slot, node) in current.replicas[partition].prefix(replicationFactor).enumerated() {
                    if let index = indexOf[node], !slots[partition].contains(index) {
                        slots[partition][slot] = index
                        counts[index] += 1
                    }
                }
            }
        }
        self.slots = slots
        self.counts = counts

        let total = partitionCount * replicationFactor
        var targets = [Int](repeating: total / nodes.count, count: nodes.count)
        let fullest = (0..<nodes.count).sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        for index in fullest.prefix(total % nodes.count) {
            targets[index] += 1
        }
        self.targets = targets
        placedNow = Array(repeating: [], count: nodes.count)
    }

    func score(_ partition: Int, _ node: Int) -> UInt64 {
        scores[partition * nodeCount + node]
    }

    func holds(_ node: Int, _ partition: Int) -> Bool {
        slots[partition].contains(node)
    }

    /// The node that ranks highest for `partition` among those `accepting`, ties to the lower
    /// index.
    func best(for partition: Int, where accepting: (Int) -> Bool) -> Int? {
        var best: Int?
        for node in 0..<nodeCount where accepting(node) {
            if let current = best, score(partition, current) >= score(partition, node) { continue }
            best = node
        }
        return best
    }

    /// Step 3: every unplaced replica onto a node, slot 0 of every partition first so that the
    /// preferred replicas spread like the rest.
    mutating func placeUnplacedReplicas() {
        for slot in 0..<replicationFactor {
            for partition in 0..<partitionCount where slots[partition][slot] == Self.unplaced {
                place(partition, slot)
            }
        }
    }

    private mutating func place(_ partition: Int, _ slot: Int) {
        if let node = best(for: partition, where: { counts[$0] < targets[$0] && !holds($0, partition) }) {
            assign(partition, slot, to: node)
            return
        }
        // Every node with room holds this partition already. Make room on a full node that does
        // not: shift one of the replicas placed on it in this step to a node with room.
        let full = (0..<nodeCount)
            .filter { !holds($0, partition) }
            .sorted { score(partition, $0) != score(partition, $1) ? score(partition, $0) > score(partition, $1) : $0 < $1 }
        for node in full {
            for (index, earlier) in placedNow[node].enumerated() {
                let room = best(for: earlier.partition, where: { counts[$0] < targets[$0] && !holds($0, earlier.partition) })
                guard let room else { continue }
                placedNow[node].remove(at: index)
                counts[node] -= 1
                assign(earlier.partition, earlier.slot, to: room)
                assign(partition, slot, to: node)
                return
            }
        }
        // No such shift: overfill the best node; step 4 moves a replica off it.
        if let node = full.first {
            assign(partition, slot, to: node)
        }
    }

    private mutating func assign(_ partition: Int, _ slot: Int, to node: Int) {
        slots[partition][slot] = node
        counts[node] += 1
        placedNow[node].append((partition, slot))
    }

    /// Step 4: each node under target takes replicas from nodes over target, the partitions that
    /// rank it highest first, each from the over-target holder that ranks lowest.
    mutating func fillNodesUnderTarget() throws(SkewlessError) {
        for node in 0..<nodeCount where counts[node] < targets[node] {
            let ranked = (0..<partitionCount).sorted {
                score($0, node) != score($1, node) ? score($0, node) > score($1, node) : $0 < $1
            }
            for partition in ranked {
                guard counts[node] < targets[node] else { break }
                guard !holds(node, partition) else { continue }
                var giver: (slot: Int, node: Int)?
                for (slot, holder) in slots[partition].enumerated() where holder != Self.unplaced && counts[holder] > targets[holder] {
                    if let current = giver, score(partition, current.node) <= score(partition, holder) { continue }
                    giver = (slot, holder)
                }
                guard let giver else { continue }
                slots[partition][giver.slot] = node
                counts[giver.node] -= 1
                counts[node] += 1
            }
            guard counts[node] == targets[node] else {
                throw SkewlessError(.internal, "the planner could not balance node \(node): \(counts[node]) of \(targets[node]) replicas")
            }
        }
        guard slots.allSatisfy({ !$0.contains(Self.unplaced) }) else {
            throw SkewlessError(.internal, "the planner left a replica unplaced")
        }
    }
}
