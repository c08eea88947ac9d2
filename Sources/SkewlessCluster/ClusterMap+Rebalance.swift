import SkewlessModel

// Membership changes: plan, begin, then each move through loading, catching up, the flip and
// draining (docs/cluster.md, "Rebalancing"). Every step that changes the map bumps the epoch.

extension ClusterMap {
    /// The planner for this map's partition count and replication factor.
    package var planner: AssignmentPlanner {
        get throws(SkewlessError) {
            try AssignmentPlanner(partitionCount: partitionCount, replicationFactor: replicationFactor)
        }
    }

    /// `node-K` for the smallest K above every `node-<number>` id in the map.
    package func nextNodeID() throws(SkewlessError) -> NodeID {
        let numbers = nodes.compactMap { node -> Int? in
            guard node.id.rawValue.hasPrefix("node-") else { return nil }
            return Int(node.id.rawValue.dropFirst(5))
        }
        return try NodeID("node-\((numbers.max() ?? 0) + 1)")
    }

    /// What adding `node` would move (nothing changes until `begin(_:)`).
    /// - Throws: `FAILED_PRECONDITION` while another rebalance is in progress;
    ///   `ALREADY_EXISTS` for a node id or address the map has.
    package func planAddNode(_ node: ClusterNode) throws(SkewlessError) -> RebalancePlan {
        try requireNoMoves()
        if self.node(node.id) != nil {
            throw SkewlessError(.alreadyExists, "node \(node.id) is already in the cluster: pick another id")
        }
        if let other = nodes.first(where: { $0.address == node.address }) {
            throw SkewlessError(.alreadyExists, "\(node.address) is already the address of \(other.id)")
        }
        let target = try planner.rebalance(assignment, nodes: nodes.map(\.id) + [node.id])
        return RebalancePlan(
            baseEpoch: epoch, change: .addNode(node), current: assignment,
            target: Self.oneMovePerPartition(from: assignment, to: target, mustLeave: []))
    }

    /// What removing `id` would move: only the replicas it holds.
    /// - Throws: `FAILED_PRECONDITION` while another rebalance is in progress or when too few
    ///   nodes would remain for R replicas; `NOT_FOUND` for an unknown node.
    package func planRemoveNode(_ id: NodeID) throws(SkewlessError) -> RebalancePlan {
        try requireNoMoves()
        guard node(id) != nil else {
            throw SkewlessError(.notFound, "no node \(id) in the cluster; its nodes: \(nodes.map(\.id.rawValue).joined(separator: ", "))")
        }
        let remaining = nodes.map(\.id).filter { $0 != id }
        guard remaining.count >= replicationFactor else {
            throw SkewlessError(.failedPrecondition, "removing \(id) would leave \(remaining.count) nodes for \(replicationFactor) replicas of each partition: add a node first")
        }
        let target = try planner.rebalance(assignment, nodes: remaining)
        return RebalancePlan(
            baseEpoch: epoch, change: .removeNode(id), current: assignment,
            target: Self.oneMovePerPartition(from: assignment, to: target, mustLeave: [id]))
    }

    /// What re-replicating the partitions of `down` nodes would move: each of their replicas
    /// goes to a node up (at most one move per partition at a time: a partition with two
    /// replicas on down nodes moves the other in a later plan). The nodes stay in the map.
    /// - Throws: `FAILED_PRECONDITION` while another rebalance is in progress, for a node not
    ///   marked down, or when too few nodes are up for R replicas; `NOT_FOUND` for an unknown
    ///   node.
    package func planEvacuation(of down: [NodeID]) throws(SkewlessError) -> RebalancePlan {
        try requireNoMoves()
        for id in down {
            guard let node = node(id) else { throw SkewlessError(.notFound, "no node \(id) in the cluster") }
            guard node.state == .down else {
                throw SkewlessError(.failedPrecondition, "\(id) is \(node.state.rawValue), not down: only a node marked down has its partitions re-replicated (fsctl node down, or the controller's failure detector)")
            }
        }
        let up = nodes.filter { $0.state == .up }.map(\.id)
        guard up.count >= replicationFactor else {
            throw SkewlessError(.failedPrecondition, "\(up.count) nodes are up for \(replicationFactor) replicas of each partition: bring a node back or add one")
        }
        let target = try planner.rebalance(assignment, nodes: up)
        return RebalancePlan(
            baseEpoch: epoch, change: .evacuate(down.sorted()), current: assignment,
            target: Self.oneMovePerPartition(from: assignment, to: target, mustLeave: Set(down)))
    }

    /// What spreading the partitions evenly over the nodes up would move; no moves when they
    /// already are (within one partition of each other).
    /// - Throws: `FAILED_PRECONDITION` while another rebalance is in progress.
    package func planBalance() throws(SkewlessError) -> RebalancePlan {
        try requireNoMoves()
        let up = nodes.filter { $0.state == .up }.map(\.id)
        let holders = Set(assignment.replicas.joined())
        // Nodes down but still holding replicas keep them: balancing moves none of theirs.
        let kept = nodes.filter { $0.state == .down && holders.contains($0.id) }.map(\.id)
        guard up.count + kept.count >= replicationFactor else {
            return RebalancePlan(baseEpoch: epoch, change: .balance, current: assignment, target: assignment)
        }
        let target = try planner.rebalance(assignment, nodes: (up + kept).sorted())
        return RebalancePlan(
            baseEpoch: epoch, change: .balance, current: assignment,
            target: Self.oneMovePerPartition(from: assignment, to: target, mustLeave: []))
    }

    /// `target`, with at most one replica of each partition moving: a map carries one move
    /// per partition (its catch-up and write fence are per partition). The planner can change
    /// two slots of a partition when a node holds no partition yet (more nodes than replicas
    /// to place, or one added with nothing to take). Then one move is kept: the slot of a node
    /// that must leave (`mustLeave`) goes to a node the target gives the partition, or else the
    /// first slot the target gives a node without a replica of it; the other slots stay,
    /// which leaves the nodes at most a partition or two further from even.
    static func oneMovePerPartition(from current: PartitionAssignment, to target: PartitionAssignment, mustLeave: Set<NodeID>) -> PartitionAssignment {
        var result = current
        for partition in 0..<current.partitionCount {
            let now = current.replicas(of: partition)
            let next = target.replicas(of: partition)
            guard now != next else { continue }
            let gaining = next.filter { !now.contains($0) }
            guard let newcomer = gaining.first else { continue }  // only slots swapped: no data moves
            if let slot = now.firstIndex(where: mustLeave.contains) {
                try? result.replace(partition: partition, slot: slot, with: newcomer)
            } else if let slot = next.firstIndex(of: newcomer) {
                try? result.replace(partition: partition, slot: slot, with: newcomer)
            }
        }
        return result
    }

    /// Starts a plan: an added node joins (state `joining`), a removed one is `leaving`, and
    /// every move enters `loading`. Bumps the epoch.
    /// - Throws: `FAILED_PRECONDITION` for a plan made from another epoch (plan again) or
    ///   while another rebalance is in progress.
    package mutating func begin(_ plan: RebalancePlan) throws(SkewlessError) {
        guard plan.baseEpoch == epoch, plan.current == assignment else {
            throw SkewlessError(.failedPrecondition, "the plan was made from epoch \(plan.baseEpoch) but the map is at epoch \(epoch): plan again")
        }
        try requireNoMoves()
        var next = self
        switch plan.change {
        case .addNode(let node):
            next.nodes.append(ClusterNode(id: node.id, address: node.address, state: plan.moves.isEmpty ? .up : .joining))
            next.nodes.sort { $0.id < $1.id }
        case .removeNode(let id):
            next.setState(of: id, to: .leaving)
        case .evacuate, .balance:
            break  // nodes keep their states
        }
        next.moves = plan.moves.map { PartitionMove($0) }
        next.epoch += 1
        next.retireFinishedNodes()
        try next.checkConsistency()
        self = next
    }

    /// Incoming nodes have loaded these partitions from the segment store: `loading` →
    /// `catching_up`. `nil` means every move in `loading`. Bumps the epoch if anything changed.
    /// - Returns: the partitions advanced.
    /// - Throws: `FAILED_PRECONDITION` for a listed partition with no move in `loading`.
    @discardableResult
    package mutating func markLoaded(_ partitions: [Int]? = nil) throws(SkewlessError) -> [Int] {
        try advance(partitions, from: .loading) { move in
            move.phase = .catchingUp
        }
    }

    /// Incoming nodes have caught up: the epoch flips these partitions to their new nodes
    /// (`catching_up` → `draining`), and the outgoing nodes keep serving clients with older
    /// maps until `nowMicros + gracePeriodMicros`. `nil` means every move in `catching_up`.
    /// - Throws: `FAILED_PRECONDITION` for a listed partition with no move in `catching_up`.
    @discardableResult
    package mutating func flip(
        _ partitions: [Int]? = nil,
        nowMicros: Int64,
        gracePeriodMicros: Int64 = ClusterMap.defaultGracePeriodMicros
    ) throws(SkewlessError) -> [Int] {
        try advance(partitions, from: .catchingUp) { move in
            move.phase = .draining
            move.drainDeadlineMicros = nowMicros + max(0, gracePeriodMicros)
        }
    }

    /// Ends the moves whose grace deadline has passed: the outgoing nodes drop the data, a
    /// leaving node with nothing left leaves the map, a joining node with nothing left to
    /// load is up. Bumps the epoch if anything changed.
    /// - Returns: the partitions whose moves ended.
    @discardableResult
    package mutating func finishDraining(nowMicros: Int64) throws(SkewlessError) -> [Int] {
        let done = moves.filter { $0.phase == .draining && $0.drainDeadlineMicros <= nowMicros }.map(\.partition)
        guard !done.isEmpty else { return [] }
        var next = self
        next.moves.removeAll { $0.phase == .draining && $0.drainDeadlineMicros <= nowMicros }
        next.retireFinishedNodes()
        next.epoch += 1
        try next.checkConsistency()
        self = next
        return done
    }

    /// Undoes a rebalance that has not flipped: every move is dropped, so the old owners keep
    /// their partitions (they served them throughout and took every write), a node the
    /// rebalance was removing is up again, and a node it was adding leaves the map (it holds
    /// nothing yet; send it the new map all the same, so it drops what it loaded). Bumps the
    /// epoch.
    /// - Throws: `FAILED_PRECONDITION` when nothing moves, or when some partitions have
    ///   already flipped (those can only be finished).
    package mutating func abortMoves() throws(SkewlessError) {
        guard !moves.isEmpty else {
            throw SkewlessError(.failedPrecondition, "no rebalance is in progress at epoch \(epoch)")
        }
        let flipped = moves.filter { $0.phase == .draining }
        guard flipped.isEmpty else {
            throw SkewlessError(.failedPrecondition, "\(flipped.count) partitions have already flipped to their new owners: a rebalance past its flip can only be finished (fsctl rebalance --resume)")
        }
        var next = self
        next.moves = []
        next.nodes.removeAll { $0.state == .joining }
        for index in next.nodes.indices where next.nodes[index].state == .leaving {
            next.nodes[index].state = .up
        }
        next.epoch += 1
        try next.checkConsistency()
        self = next
    }

    /// Marks a node up or down (what a failure detector or an operator saw). Bumps the epoch
    /// if the state changed.
    /// - Throws: `NOT_FOUND` for an unknown node; `INVALID_ARGUMENT` for `joining` or
    ///   `leaving`, which only rebalances set.
    package mutating func markNode(_ id: NodeID, _ state: NodeState) throws(SkewlessError) {
        guard state == .up || state == .down else {
            throw SkewlessError(.invalidArgument, "a node becomes \(state.rawValue) only through a rebalance")
        }
        guard let current = node(id) else {
            throw SkewlessError(.notFound, "no node \(id) in the cluster")
        }
        guard current.state != state else { return }
        setState(of: id, to: state)
        epoch += 1
    }

    // MARK: Steps

    private func requireNoMoves() throws(SkewlessError) {
        guard moves.isEmpty else {
            throw SkewlessError(.failedPrecondition, "a rebalance is in progress (\(moves.count) partitions in motion): let it finish before planning another")
        }
    }

    private mutating func advance(
        _ partitions: [Int]?,
        from phase: MovePhase,
        _ change: (inout PartitionMove) -> Void
    ) throws(SkewlessError) -> [Int] {
        let selected = Set(partitions ?? moves.filter { $0.phase == phase }.map(\.partition))
        for partition in selected.sorted() where move(of: partition)?.phase != phase {
            throw SkewlessError(.failedPrecondition, "partition \(partition) has no move in \(phase.rawValue) (\(move(of: partition).map { "its move is \($0.phase.rawValue)" } ?? "it is not moving"))")
        }
        guard !selected.isEmpty else { return [] }
        var next = self
        for index in next.moves.indices where selected.contains(next.moves[index].partition) {
            change(&next.moves[index])
            let move = next.moves[index]
            if move.phase == .draining {
                // The flip: the incoming node takes the slot.
                try next.assignment.replace(partition: move.partition, slot: move.slot, with: move.to)
            }
        }
        next.retireFinishedNodes()
        next.epoch += 1
        try next.checkConsistency()
        self = next
        return selected.sorted()
    }

    private mutating func setState(of id: NodeID, to state: NodeState) {
        for index in nodes.indices where nodes[index].id == id {
            nodes[index].state = state
        }
    }

    /// Joining nodes with nothing left to load are up; leaving nodes holding nothing leave.
    private mutating func retireFinishedNodes() {
        let stillMoving = Set(moves.flatMap { [$0.from, $0.to] })
        for index in nodes.indices where nodes[index].state == .joining {
            let loading = moves.contains { $0.to == nodes[index].id && $0.phase != .draining }
            if !loading { nodes[index].state = .up }
        }
        nodes.removeAll { node in
            node.state == .leaving && !stillMoving.contains(node.id) && assignment.partitions(on: node.id).isEmpty
        }
    }

    private func checkConsistency() throws(SkewlessError) {
        if let problem = consistencyProblem() {
            throw SkewlessError(.internal, "a cluster map change would make it inconsistent: \(problem)")
        }
    }
}
