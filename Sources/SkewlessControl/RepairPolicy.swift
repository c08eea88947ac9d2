import SkewlessCluster
import SkewlessModel

/// What the controller changes in the map, from the failure detector's verdicts: the whole
/// repair policy (docs/cluster.md, "Failure detection and repair"), without I/O.
///
/// In order, in one new epoch:
/// 1. nodes `up` that the detector finds down are marked `down` (clients read their
///    partitions from the other replicas; writes go on without them); nodes a controller
///    marked `down` that have answered for their hold-down time are marked `up` (they caught
///    up from the write logs meanwhile). A node an operator marked down stays down until an
///    operator marks it up. Joining and leaving nodes keep their states: their rebalance
///    decides.
/// 2. A rebalance whose incoming node is down and that has not flipped is aborted (the old
///    owners keep their partitions).
/// 3. With no rebalance in progress: the partitions of nodes down for `reReplicationGraceMicros`
///    are re-replicated on nodes up (`ClusterChange.evacuate`); otherwise, with no node down
///    holding partitions, uneven partitions (a node back from a failure holding nothing) are
///    balanced (`ClusterChange.balance`). The moves then go through the staged steps of any
///    rebalance, driven by `RebalanceCoordinator`.
package struct RepairPolicy: Sendable, Hashable {
    /// How long a node stays down before its partitions are re-replicated elsewhere.
    package var reReplicationGraceMicros: Int64 = 60_000_000
    /// Whether to balance partitions over the nodes up when they are uneven.
    package var balances = true

    package init() {}

    /// What changed, for logs and status.
    package struct Decision: Sendable, Hashable {
        package var map: ClusterMap
        package var actions: [String]
    }

    /// The next map, or nil when nothing is to change.
    /// - Parameters:
    ///   - verdicts: the failure detector's, per node of the map.
    ///   - downSince: when each node marked down was first seen down (by this controller).
    ///   - markedByController: the nodes down because a controller marked them so, which a
    ///     controller may mark up again.
    package func next(
        _ map: ClusterMap, verdicts: [NodeID: FailureDetector.Verdict], downSince: [NodeID: Int64],
        markedByController: Set<NodeID>, nowMicros: Int64
    ) throws(SkewlessError) -> Decision? {
        var next = map
        var actions: [String] = []
        for node in map.nodes {
            switch (node.state, verdicts[node.id] ?? .undecided) {
            case (.up, .down):
                try next.markNode(node.id, .down)
                actions.append("marked \(node.id) down: it stopped answering")
            case (.down, .up) where markedByController.contains(node.id):
                try next.markNode(node.id, .up)
                actions.append("marked \(node.id) up: it has answered for its hold-down time")
            default:
                break
            }
        }
        let silent = Set(verdicts.filter { $0.value == .down }.map(\.key))
        let stalledMoves = next.stalledMoves(unreachable: silent)
        if !stalledMoves.isEmpty, !next.moves.contains(where: { $0.phase == .draining }) {
            let stalled = Set(stalledMoves.map(\.to)).sorted().map(\.rawValue).joined(separator: ", ")
            try next.abortMoves()
            actions.append("aborted the rebalance in progress: \(stalled), receiving partitions, is down")
        }
        if next.moves.isEmpty {
            let due = next.nodes.filter { node in
                node.state == .down && !next.partitions(on: node.id).isEmpty
                    && nowMicros - (downSince[node.id] ?? nowMicros) >= reReplicationGraceMicros
            }.map(\.id)
            if !due.isEmpty {
                let plan = try next.planEvacuation(of: due)
                if !plan.moves.isEmpty {
                    try next.begin(plan)
                    actions.append("began \(plan.change): \(plan.moves.count) replicas move")
                }
            } else if balances, !next.nodes.contains(where: { $0.state == .down && !next.partitions(on: $0.id).isEmpty }) {
                let plan = try next.planBalance()
                if !plan.moves.isEmpty {
                    try next.begin(plan)
                    actions.append("began \(plan.change): \(plan.moves.count) replicas move")
                }
            }
        }
        return next == map ? nil : Decision(map: next, actions: actions)
    }
}
