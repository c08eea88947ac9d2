import SkewlessCluster

extension PartitionReconciler {
    /// What the reconciler does next, decided from what happened (a map installed, a loader
    /// or copier set, a load or a copy finished, a retry due, a stop), as a value: the
    /// reconciler performs the actions it returns (drop rows, load, copy, wait) and feeds the
    /// results back. No thread, clock or I/O of its own, so tests can drive it step by step.
    ///
    /// A pass starts when something changed: it drops the rows of partitions the node no
    /// longer holds, loads the held partitions it lacks, after a restart copies its peers'
    /// rows of them before serving them (`recover`), then copies the partitions moving to it
    /// in `catching_up` (`catchUp`) and looks again in case the map changed meanwhile. A
    /// failed load or copy is retried after a back-off that doubles from `firstRetryDelay`
    /// up to `maximumRetryDelay` and starts over after a success; a load refused because
    /// another materialization runs is retried after `busyRetryDelay`. Between passes the
    /// reconciler waits for a change, never a timer.
    struct StateMachine: Sendable {
        enum Action: Sendable, Hashable {
            /// Remove from the online store the rows of every entity whose partition is not in
            /// `keeping`.
            case drop(keeping: Set<Int>, partitioner: Partitioner)
            /// Load from the segment store; report with `loadFinished`.
            case load(Load)
            /// Copy the rows the peers hold of `partitions`, just loaded from the segments
            /// after a restart and not served yet, once (best effort); report with
            /// `recovered`.
            case recover(partitions: [Int], map: ClusterMap)
            /// Copy the rows of `partitions`, moving to this node in `catching_up` under `map`,
            /// from their replicas; report the partitions copied with `caughtUp`.
            case catchUp(partitions: [Int], map: ClusterMap)
            /// Nothing to do until something changes (`retryAfter` nil), or until a retry is
            /// due in `retryAfter` seconds (a change or a stop ends the wait sooner); then
            /// call `resume`.
            case wait(retryAfter: Double?)
            /// The node is stopping: nothing more.
            case stop
        }

        /// One load: the rows of the entities of `held`, every partition the node holds (not
        /// only the new ones, so the materializer's watermarks stay true for all of them; rows
        /// already loaded are older or equal and change nothing). `partitions`: the held
        /// partitions not loaded yet, which count as loaded once it succeeds.
        struct Load: Sendable, Hashable {
            var held: Set<Int>
            var partitions: Set<Int>
            var partitioner: Partitioner
        }

        enum LoadOutcome: Sendable, Hashable {
            case loaded
            /// Another materialization runs (`ABORTED`): try again shortly.
            case busy
            case failed
        }

        private enum Phase: Sendable, Hashable {
            /// Between passes.
            case idle
            case dropping(Load)
            case loading(Load)
            case recovering(Load, partitions: [Int])
            case catchingUp([Int])
            /// A load or a copy failed: the next pass once the retry is due.
            case backingOff
        }

        /// This node; nil when its id is not a valid cluster node id (it holds nothing).
        let node: NodeID?
        let firstRetryDelay: Double
        let maximumRetryDelay: Double
        let busyRetryDelay: Double
        /// The map in effect; nil while standalone.
        private(set) var map: ClusterMap?
        /// Partitions whose rows are in the online store (and served).
        private(set) var loaded: Set<Int> = []
        /// Partitions being loaded now.
        private(set) var loading: Set<Int> = []
        /// Partitions moving to this node in `catching_up` whose rows it has copied.
        private(set) var caughtUp: Set<Int> = []
        /// Partitions a restarted node copies from its peers after loading them, before it
        /// serves them.
        private var recovering: Set<Int> = []
        /// What the node held at the last pass; nil before the first (standalone: the store
        /// may hold any entity).
        private var heldBefore: Set<Int>?
        /// Something changed since the last pass started.
        private var pending = false
        private(set) var isStopped = false
        /// The wait before the next retry after a failure.
        private(set) var retryDelay: Double
        private var phase = Phase.idle

        init(node: NodeID?, firstRetryDelay: Double, maximumRetryDelay: Double = 30, busyRetryDelay: Double = 0.1) {
            self.node = node
            self.firstRetryDelay = firstRetryDelay
            self.maximumRetryDelay = maximumRetryDelay
            self.busyRetryDelay = busyRetryDelay
            self.retryDelay = firstRetryDelay
        }

        /// The partitions the map in effect has this node keep: replicas, incoming moves,
        /// draining moves.
        var heldPartitions: Set<Int> {
            map.map(held) ?? []
        }

        /// The partitions moving to this node in `catching_up` under the map in effect.
        var catchingUpPartitions: Set<Int> {
            map.map(catchingUp) ?? []
        }

        // MARK: - Events

        /// Puts `map` in effect at once (a partition taken away is no longer loaded, before any
        /// row moves) and asks for a pass. A map no newer than the one in effect changes
        /// nothing (installations told out of order).
        /// - Parameter restored: the map was read from the node's file at start: the node
        ///   copies its peers' rows of every partition it holds once it has loaded them.
        /// - Returns: whether the map was put in effect.
        mutating func install(_ map: ClusterMap, restored: Bool = false) -> Bool {
            if let current = self.map, map.epoch <= current.epoch { return false }
            self.map = map
            loaded.formIntersection(held(map))
            caughtUp.formIntersection(catchingUp(map))
            if restored {
                recovering = held(map)
            }
            pending = true
            return true
        }

        /// How partitions are loaded or copied changed: look again.
        mutating func configured() {
            pending = true
        }

        /// The node is stopping: every event from now on answers `stop`.
        mutating func stop() {
            isStopped = true
        }

        /// The next action after a `wait` (or at the start), or the action still expected
        /// when called in the middle of a pass.
        mutating func resume() -> Action {
            guard !isStopped else { return .stop }
            switch phase {
            case .idle:
                return startPass()
            case .backingOff:
                // The retry is due (or something changed): a new pass looks again.
                pending = true
                phase = .idle
                return startPass()
            case .dropping(let load):
                return .drop(keeping: load.held, partitioner: load.partitioner)
            case .loading(let load):
                return .load(load)
            case .recovering(_, let partitions):
                guard let map else { return finishPass() }
                return .recover(partitions: partitions, map: map)
            case .catchingUp(let partitions):
                guard let map else { return finishPass() }
                return .catchUp(partitions: partitions, map: map)
            }
        }

        /// The rows of partitions not held were dropped.
        mutating func dropped() -> Action {
            guard case .dropping(let load) = phase else { return resume() }
            guard !isStopped else { return .stop }
            return startLoading(load)
        }

        /// The load of `.load` ended.
        mutating func loadFinished(_ outcome: LoadOutcome) -> Action {
            guard case .loading(let load) = phase else { return resume() }
            switch outcome {
            case .loaded:
                retryDelay = firstRetryDelay
                return recoverOrFinish(load)
            case .busy:
                pending = true
                phase = .backingOff
                guard !isStopped else { return .stop }
                return .wait(retryAfter: busyRetryDelay)
            case .failed:
                loading = []
                pending = true
                phase = .backingOff
                guard !isStopped else { return .stop }
                return backOff()
            }
        }

        /// The copy of `.recover` ended (whatever it copied: partitions no peer could give
        /// are served from the segments).
        mutating func recovered() -> Action {
            guard case .recovering(let load, _) = phase else { return resume() }
            return finishLoading(load)
        }

        /// The copy of `.catchUp` ended; `copied`: the partitions copied completely.
        mutating func caughtUp(_ copied: Set<Int>) -> Action {
            guard case .catchingUp(let partitions) = phase else { return resume() }
            caughtUp.formUnion(copied.intersection(catchingUpPartitions).intersection(loaded))
            guard Set(partitions).isSubset(of: copied) else {
                phase = .backingOff
                guard !isStopped else { return .stop }
                return backOff()
            }
            retryDelay = firstRetryDelay
            return finishPass()
        }

        // MARK: - Decisions

        private mutating func startPass() -> Action {
            phase = .idle
            guard !isStopped else { return .stop }
            guard pending, let map else { return .wait(retryAfter: nil) }
            pending = false
            let held = held(map)
            let load = Load(held: held, partitions: held.subtracting(loaded), partitioner: map.partitioner)
            loading = load.partitions
            let dropFirst = heldBefore.map { !$0.isSubset(of: held) } ?? true
            heldBefore = held
            guard dropFirst else { return startLoading(load) }
            phase = .dropping(load)
            return .drop(keeping: held, partitioner: map.partitioner)
        }

        private mutating func startLoading(_ load: Load) -> Action {
            guard !load.partitions.isEmpty else { return startCatchingUp() }
            phase = .loading(load)
            return .load(load)
        }

        /// After a load: the partitions to copy from the peers first, if any (once: a
        /// partition loaded again later is not copied again).
        private mutating func recoverOrFinish(_ load: Load) -> Action {
            let partitions = recovering.intersection(load.partitions)
            guard !partitions.isEmpty, let map else { return finishLoading(load) }
            recovering.subtract(partitions)
            phase = .recovering(load, partitions: partitions.sorted())
            guard !isStopped else { return .stop }
            return .recover(partitions: partitions.sorted(), map: map)
        }

        /// The loaded partitions the node still holds count as loaded (and are served).
        private mutating func finishLoading(_ load: Load) -> Action {
            loaded.formUnion(load.partitions.intersection(heldPartitions))
            loading = []
            phase = .idle
            guard !isStopped else { return .stop }
            return startCatchingUp()
        }

        /// Copies the partitions moving to this node in `catching_up`, loaded and not yet
        /// caught up. Copying after loading keeps the node's rows the newest of both, whatever
        /// order they arrive in (the write rule).
        private mutating func startCatchingUp() -> Action {
            guard let map else { return finishPass() }
            let partitions = catchingUpPartitions.subtracting(caughtUp).intersection(loaded).sorted()
            guard !partitions.isEmpty else {
                retryDelay = firstRetryDelay
                return finishPass()
            }
            phase = .catchingUp(partitions)
            return .catchUp(partitions: partitions, map: map)
        }

        /// The pass is over: another if something changed meanwhile, else wait for a change.
        private mutating func finishPass() -> Action {
            startPass()
        }

        private mutating func backOff() -> Action {
            let delay = retryDelay
            retryDelay = min(retryDelay * 2, maximumRetryDelay)
            return .wait(retryAfter: delay)
        }

        private func held(_ map: ClusterMap) -> Set<Int> {
            node.map { Set(map.partitionsHeld(by: $0)) } ?? []
        }

        private func catchingUp(_ map: ClusterMap) -> Set<Int> {
            node.map { Set(map.partitionsCatchingUp(to: $0)) } ?? []
        }
    }
}
