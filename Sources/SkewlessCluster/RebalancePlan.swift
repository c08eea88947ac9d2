import Foundation

/// What a membership change moves, computed from one epoch of the cluster map: the dry run of
/// `fsctl rebalance --plan`, and the input of `ClusterMap.begin(_:)`.
package struct RebalancePlan: Sendable, Hashable {
    /// The epoch of the map the plan was computed from; the plan applies only to that map.
    package let baseEpoch: UInt64
    package let change: ClusterChange
    package let current: PartitionAssignment
    package let target: PartitionAssignment
    /// The replicas that change nodes, ascending by partition then slot.
    package let moves: [ReplicaMove]

    package init(baseEpoch: UInt64, change: ClusterChange, current: PartitionAssignment, target: PartitionAssignment) {
        self.baseEpoch = baseEpoch
        self.change = change
        self.current = current
        self.target = target
        moves = current.moves(to: target)
    }

    /// The plan for people: the change, replicas per node before and after, and every move
    /// (or the first `listing` of them).
    package func summary(listing limit: Int = .max) -> String {
        let before = current.replicaCounts()
        let after = target.replicaCounts()
        let total = target.replicas.reduce(0) { $0 + $1.count }
        let share = total == 0 ? 0 : Double(moves.count) * 100 / Double(total)
        var lines = [
            "Plan from epoch \(baseEpoch): \(change)",
            "Moves \(moves.count) of \(total) replicas (\(String(format: "%.1f", share))%).",
            "",
            "NODE".padded(to: 20) + "BEFORE".leftPadded(to: 8) + "AFTER".leftPadded(to: 8) + "CHANGE".leftPadded(to: 8),
        ]
        for node in Set(before.keys).union(after.keys).sorted() {
            let from = before[node, default: 0]
            let to = after[node, default: 0]
            let delta = to - from
            lines.append(
                node.rawValue.padded(to: 20) + String(from).leftPadded(to: 8) + String(to).leftPadded(to: 8)
                    + (delta > 0 ? "+\(delta)" : String(delta)).leftPadded(to: 8)
            )
        }
        if !moves.isEmpty {
            lines.append("")
            lines.append(contentsOf: moves.prefix(limit).map { "  \($0)" })
            if moves.count > limit {
                lines.append("  ... and \(moves.count - limit) more")
            }
        }
        return lines.joined(separator: "\n")
    }
}
