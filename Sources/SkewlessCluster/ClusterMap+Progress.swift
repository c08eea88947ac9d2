import SkewlessModel

// Taking a rebalance's moves forward from what the nodes report: the decisions of the
// rebalance coordinator (fsctl and the controller share it), without the network.

extension ClusterMap {
    /// What one call of `advanceMoves` did, a sentence per step, for logs and progress lines.
    package struct MoveProgress: Sendable, Hashable {
        package var loaded: [Int] = []
        package var flipped: [Int] = []
        package var drained: [Int] = []

        package init() {}

        package var isEmpty: Bool { loaded.isEmpty && flipped.isEmpty && drained.isEmpty }

        package var sentences: [String] {
            var lines: [String] = []
            if !loaded.isEmpty { lines.append("new owners have loaded \(loaded.count) partitions; they copy the rows the segments lack from the other replicas") }
            if !flipped.isEmpty { lines.append("flipped \(flipped.count) partitions: new owners serve; old owners drain") }
            if !drained.isEmpty { lines.append("old owners dropped \(drained.count) moved partitions") }
            return lines
        }
    }

    /// Takes every move as far as the nodes' reports allow: a move in `loading` whose incoming
    /// node reports the partition loaded goes to `catching_up`; one in `catching_up` whose
    /// incoming node reports it caught up flips (old owners keep serving clients with older
    /// maps for `gracePeriodMicros`); one draining past its deadline ends. Each kind of step
    /// bumps the epoch once.
    /// - Parameters:
    ///   - loaded: per node, the partitions it reports loaded (GET_CLUSTER_MAP); nodes that
    ///     did not answer are absent.
    ///   - caughtUp: per node, the partitions it reports caught up.
    /// - Returns: what moved on; empty when nothing could.
    package mutating func advanceMoves(
        loaded: [NodeID: Set<Int>], caughtUp: [NodeID: Set<Int>], nowMicros: Int64,
        gracePeriodMicros: Int64 = ClusterMap.defaultGracePeriodMicros
    ) throws(SkewlessError) -> MoveProgress {
        var progress = MoveProgress()
        let readyToLoad = moves.filter { $0.phase == .loading && loaded[$0.to]?.contains($0.partition) == true }.map(\.partition)
        if !readyToLoad.isEmpty {
            progress.loaded = try markLoaded(readyToLoad)
        }
        let readyToFlip = moves.filter { $0.phase == .catchingUp && caughtUp[$0.to]?.contains($0.partition) == true }.map(\.partition)
        if !readyToFlip.isEmpty {
            progress.flipped = try flip(readyToFlip, nowMicros: nowMicros, gracePeriodMicros: gracePeriodMicros)
        }
        progress.drained = try finishDraining(nowMicros: nowMicros)
        return progress
    }

    /// The moves that have not flipped and whose incoming node is marked down or among
    /// `unreachable` (a joining node keeps its state while it is silent): they cannot finish
    /// until it is back.
    package func stalledMoves(unreachable: Set<NodeID> = []) -> [PartitionMove] {
        let down = Set(nodes.filter { $0.state == .down }.map(\.id)).union(unreachable)
        return moves.filter { $0.phase != .draining && down.contains($0.to) }
    }
}
