import SkewlessModel

/// Which nodes hold each partition: `replicas[p]` lists partition p's R nodes in preferred
/// order (slot 0 first). A value: the planner computes a new one, the map stores one.
package struct PartitionAssignment: Sendable, Hashable, Codable {
    package private(set) var replicas: [[NodeID]]

    package init(replicas: [[NodeID]]) {
        self.replicas = replicas
    }

    package var partitionCount: Int { replicas.count }

    /// The nodes of a partition in preferred order; empty for a partition out of range.
    package func replicas(of partition: Int) -> [NodeID] {
        replicas.indices.contains(partition) ? replicas[partition] : []
    }

    /// The partitions a node holds, ascending.
    package func partitions(on node: NodeID) -> [Int] {
        replicas.indices.filter { replicas[$0].contains(node) }
    }

    /// How many replicas each node holds; nodes holding none are absent.
    package func replicaCounts() -> [NodeID: Int] {
        var counts: [NodeID: Int] = [:]
        for nodes in replicas {
            for node in nodes {
                counts[node, default: 0] += 1
            }
        }
        return counts
    }

    /// How many partitions list each node first.
    package func preferredCounts() -> [NodeID: Int] {
        var counts: [NodeID: Int] = [:]
        for case let node? in replicas.map(\.first) {
            counts[node, default: 0] += 1
        }
        return counts
    }

    /// The replica moves that turn this assignment into `target`, slot by slot, ascending by
    /// partition then slot. Both must have the same shape (the planner's output does).
    package func moves(to target: PartitionAssignment) -> [ReplicaMove] {
        var moves: [ReplicaMove] = []
        for partition in replicas.indices where partition < target.replicas.count {
            let before = replicas[partition]
            let after = target.replicas[partition]
            for slot in after.indices where slot < before.count && before[slot] != after[slot] {
                moves.append(ReplicaMove(partition: partition, slot: slot, from: before[slot], to: after[slot]))
            }
        }
        return moves
    }

    /// Replaces the node in one slot (a move's last step).
    /// - Throws: `INTERNAL` for a slot that does not exist.
    package mutating func replace(partition: Int, slot: Int, with node: NodeID) throws(SkewlessError) {
        guard replicas.indices.contains(partition), replicas[partition].indices.contains(slot) else {
            throw SkewlessError(.internal, "partition \(partition) has no replica slot \(slot)")
        }
        replicas[partition][slot] = node
    }
}
