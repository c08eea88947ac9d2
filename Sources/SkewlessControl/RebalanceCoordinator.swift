import Skewless
import SkewlessCluster
import SkewlessModel

/// Takes a rebalance through its steps (docs/cluster.md, "Rebalancing"): begin (new owners
/// load from the segment store), caught up (they copied what the segments lack from the other
/// replicas), flip (they serve; old owners drain for the grace period), finish (old owners drop
/// the data). Each step is a new epoch published through the `store`.
///
/// It keeps no state of its own: everything is in the map, so any coordinator (`fsctl
/// rebalance --resume`, the controller, another controller after the first died) takes the
/// moves on from wherever they stand. Two coordinators at once are safe in the etcd mode (the
/// store's compare-and-swap lets one win each step; the other reloads and finds it done).
package struct RebalanceCoordinator: Sendable {
    package let store: any ClusterMapStore
    package let admin: NodeAdmin
    /// How long old owners keep serving after the flip.
    package var gracePeriodMicros: Int64 = ClusterMap.defaultGracePeriodMicros
    /// How long `finish` waits for nodes that make no progress before it gives up.
    package var waitLimit: Duration = .seconds(600)
    /// How often `finish` asks the nodes how far they are.
    package var pollInterval: Duration = .milliseconds(200)

    package init(store: any ClusterMapStore, admin: NodeAdmin) {
        self.store = store
        self.admin = admin
    }

    /// Starts `plan` on `map` and publishes it.
    package func begin(_ plan: RebalancePlan, on map: inout ClusterMap, reporter: (any RebalanceReporter)?) async throws(SkewlessError) {
        let previous = map
        var next = map
        try next.begin(plan)
        try await publish(next, replacing: previous, reporter: reporter)
        map = next
        reporter?.step("epoch \(map.epoch): began \(plan.change): \(map.moves.count) replicas move; new owners load them from the segment store")
    }

    /// Drops the moves of a rebalance that has not flipped (`ClusterMap.abortMoves`).
    package func abort(_ map: inout ClusterMap, reporter: (any RebalanceReporter)?) async throws(SkewlessError) {
        let previous = map
        var next = map
        try next.abortMoves()
        try await publish(next, replacing: previous, reporter: reporter)
        map = next
        reporter?.step("epoch \(map.epoch): rebalance aborted: the old owners keep their partitions; incoming nodes drop what they loaded")
    }

    /// One step: asks the incoming nodes how far they are, advances every move they allow
    /// (and ends drains past their deadline), and publishes the result if anything changed.
    /// - Parameter probe: what the nodes answered just now, when the caller has already asked
    ///   them (at least the incoming nodes, about `map`'s epoch); nil: they are asked here.
    /// - Returns: what moved on.
    @discardableResult
    package func step(_ map: inout ClusterMap, probe: NodeAdmin.Probe? = nil, reporter: (any RebalanceReporter)?) async throws(SkewlessError) -> ClusterMap.MoveProgress {
        guard !map.moves.isEmpty else { return .init() }
        let probe = if let probe { probe } else { await probeIncoming(map) }
        var loaded: [NodeID: Set<Int>] = [:]
        var caughtUp: [NodeID: Set<Int>] = [:]
        for case (let id, .success(let state)) in probe where state.epoch == map.epoch {
            // A node behind the map reports for an older one: it is sent this one below.
            loaded[id] = Set(state.loadedPartitions)
            caughtUp[id] = Set(state.caughtUpPartitions)
        }
        let previous = map
        var next = map
        let progress = try next.advanceMoves(loaded: loaded, caughtUp: caughtUp, nowMicros: WallClock.nowMicros(), gracePeriodMicros: gracePeriodMicros)
        let behind = probe.compactMap { id, result -> NodeID? in
            if case .success(let state) = result, state.epoch < map.epoch { return id }
            return nil
        }
        if progress.isEmpty {
            if !behind.isEmpty {
                // Incoming nodes that missed an epoch (down when it was published): send it
                // again. (Nodes that follow etcd refuse it, and read it from there.)
                _ = try? await admin.install(map, on: map.nodes.filter { behind.contains($0.id) })
            }
            return progress
        }
        try await publish(next, replacing: previous, reporter: reporter)
        map = next
        for sentence in progress.sentences {
            reporter?.step("epoch \(map.epoch): \(sentence)")
        }
        return progress
    }

    /// Steps until no move is left, waiting on the nodes between steps.
    /// - Throws: `DEADLINE_EXCEEDED` when the nodes make no progress for `waitLimit`, naming
    ///   those behind (the cluster keeps serving from the old owners; resume later).
    package func finish(_ map: inout ClusterMap, reporter: (any RebalanceReporter)?) async throws(SkewlessError) {
        var lastProgress = ContinuousClock.now
        while !map.moves.isEmpty {
            // One question to the incoming nodes serves the step and the progress shown.
            let probe = await probeIncoming(map)
            do throws(SkewlessError) {
                if try await !step(&map, probe: probe, reporter: reporter).isEmpty {
                    lastProgress = .now
                    continue
                }
            } catch where error.code == .aborted {
                // Another coordinator (the controller) published a step first: take the map
                // from the store and go on from where it is.
                map = try await store.load()
                reporter?.step("epoch \(map.epoch): another coordinator moved the rebalance on; following it")
                lastProgress = .now
                continue
            }
            let expected = PartitionReadiness.incomingPartitions(of: map)
            let deadline = map.moves.filter { $0.phase == .draining }.map(\.drainDeadlineMicros).max()
            if expected.isEmpty, let deadline {
                reporter?.waiting("draining: \((deadline - WallClock.nowMicros()) / 1_000_000 + 1) s left")
                lastProgress = .now
            } else {
                var reported: [NodeID: [Int]?] = [:]
                let loading = map.moves.contains { $0.phase == .loading }
                for (id, result) in probe {
                    if case .success(let state) = result {
                        reported[id] = loading ? state.loadedPartitions : state.caughtUpPartitions
                    }
                }
                let status = PartitionReadiness(expected: expected, reported: reported)
                let behind = status.behind.joined(separator: ", ")
                reporter?.waiting("\(loading ? "loading from the segment store" : "catching up from the other replicas"): \(status.ready) of \(status.total) partitions (\(behind))")
                if ContinuousClock.now - lastProgress > waitLimit {
                    throw SkewlessError(.deadlineExceeded, "nodes made no progress for \(waitLimit) \(loading ? "loading their partitions" : "catching up on their partitions"): \(behind); check their logs (they read the segment store given by --segments and copy from the partitions' replicas, which must be reachable from them), then resume (fsctl rebalance --resume; the controller resumes by itself). The cluster serves from the old owners meanwhile")
                }
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// What the nodes receiving partitions (moves not flipped yet) answer now.
    private func probeIncoming(_ map: ClusterMap) async -> NodeAdmin.Probe {
        let incoming = Set(map.moves.filter { $0.phase != .draining }.map(\.to))
        return await admin.probe(map.nodes.filter { incoming.contains($0.id) })
    }

    private func publish(_ map: ClusterMap, replacing previous: ClusterMap, reporter: (any RebalanceReporter)?) async throws(SkewlessError) {
        for (node, error) in try await store.publish(map, replacing: previous) {
            reporter?.warn("\(node.id) at \(node.address) did not take epoch \(map.epoch): \(error.message)")
        }
    }
}
