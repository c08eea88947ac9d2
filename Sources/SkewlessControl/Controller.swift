import Foundation
import Logging
import Skewless
import SkewlessCluster
import SkewlessModel

/// The cluster's controller (docs/cluster.md, "The controller"): one is active at a time,
/// elected through etcd (the `controller` key, held with a lease); the others wait and take
/// over when its lease expires. The active one, every `probeInterval`:
/// 1. reads the map from etcd and asks every node for its state, with `probeTimeout`;
/// 2. feeds the answers to the `FailureDetector` and applies the `RepairPolicy` (mark nodes
///    down or up, re-replicate after the grace, balance), publishing a new epoch with a
///    compare-and-swap;
/// 3. takes any rebalance in progress a step further (`RebalanceCoordinator`), whoever began it;
/// 4. publishes what it is doing (`ControllerStatus`) for `fsctl status`.
///
/// Every decision is made from the map in etcd, so a controller that takes over continues
/// where the last one stopped; only the detector's memory (who has been silent since when)
/// starts again, which delays a mark-down or a re-replication, never hastens one.
package final class Controller: Sendable {
    package struct Configuration: Sendable, Hashable {
        package var probeInterval: Duration = .milliseconds(500)
        package var probeTimeout: Duration = .milliseconds(1_000)
        package var detector = FailureDetector.Configuration()
        package var policy = RepairPolicy()
        /// How long old owners keep serving after a flip of a move the controller drives.
        package var gracePeriodMicros: Int64 = 5_000_000
        /// The TTL of the controller's lease: how long a dead controller holds the role.
        package var leaseSeconds = 3
        /// How the controller reaches the nodes (TLS, its node's peer token).
        package var security = FeatureClient.Security.none

        package init() {}
    }

    package let id: String
    package let control: ControlStore
    package let configuration: Configuration
    private let logger: Logger

    package init(id: String, control: ControlStore, configuration: Configuration, logger: Logger) {
        self.id = id
        self.control = control
        self.configuration = configuration
        self.logger = logger
    }

    /// Campaigns, and controls while elected, until the task is cancelled (then it resigns).
    package func run() async {
        let keeper = LeaseKeeper(client: control.client, ttlSeconds: configuration.leaseSeconds, logger: logger) { _ in }
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await keeper.run() }
            tasks.addTask { await self.campaign(keeper) }
            await tasks.next()
            tasks.cancelAll()
        }
    }

    private func campaign(_ keeper: LeaseKeeper) async {
        while !Task.isCancelled {
            if let lease = keeper.current, (try? await control.campaign(id, lease: lease)) == true {
                logger.notice("elected the cluster's controller", metadata: ["controller": "\(id)"])
                await lead(keeper, lease: lease)
                if Task.isCancelled { break }
                logger.notice("no longer the cluster's controller", metadata: ["controller": "\(id)"])
            }
            try? await Task.sleep(for: configuration.probeInterval)
        }
        try? await control.resign(id)
    }

    /// Controls while this controller holds the role with `lease`.
    private func lead(_ keeper: LeaseKeeper, lease: Int64) async {
        let admin = NodeAdmin(timeout: configuration.probeTimeout, security: configuration.security)
        let store = EtcdMapStore(control: control)
        var coordinator = RebalanceCoordinator(store: store, admin: admin)
        coordinator.gracePeriodMicros = configuration.gracePeriodMicros
        var state = LeaderState(
            detector: FailureDetector(configuration: configuration.detector),
            status: ControllerStatus(controller: id, leadingSinceMicros: WallClock.nowMicros()))
        // What the last controller marked down, it (or this one) may mark up again.
        if let bytes = try? await control.status(), let previous = try? JSONDecoder().decode(ControllerStatus.self, from: Data(bytes)) {
            state.markedDown = Set(previous.markedDown.compactMap { try? NodeID($0) })
            state.status.recentActions = previous.recentActions
        }
        let reporter = LogReporter(logger: logger)
        while !Task.isCancelled, keeper.current == lease {
            let started = ContinuousClock.now
            do throws(SkewlessError) {
                guard try await control.controller() == id else { return }
                try await tick(&state, store: store, coordinator: coordinator, admin: admin, reporter: reporter)
                try? await control.publishStatus(try JSONEncoder().encode(state.status).map { $0 }, lease: lease)
            } catch {
                logger.warning("the controller's round failed; trying again", metadata: ["error": "\(error.message)"])
            }
            let spent = ContinuousClock.now - started
            if spent < configuration.probeInterval {
                try? await Task.sleep(for: configuration.probeInterval - spent)
            }
        }
    }

    /// What the active controller remembers between rounds.
    struct LeaderState {
        var detector: FailureDetector
        var status: ControllerStatus
        /// When each node was first seen silent (for the re-replication grace).
        var downSince: [NodeID: Int64] = [:]
        /// The nodes down because a controller marked them so.
        var markedDown: Set<NodeID> = []
        /// When the last round that reached etcd began.
        var lastRoundMicros: Int64?
    }

    /// One round: observe, decide, publish, advance moves.
    func tick(_ state: inout LeaderState, store: EtcdMapStore, coordinator: RebalanceCoordinator, admin: NodeAdmin, reporter: LogReporter) async throws(SkewlessError) {
        var map = try await store.load()
        let probe = await admin.probe(map.nodes)
        let probedEpoch = map.epoch
        let now = WallClock.nowMicros()
        if let last = state.lastRoundMicros, now - last > configuration.detector.timeoutMicros {
            // No round for longer than the timeout (etcd unreachable, this process paused):
            // what the detector saw before says nothing about now. Start again, so no node is
            // marked down for the gap.
            state.detector = FailureDetector(configuration: configuration.detector)
        }
        state.lastRoundMicros = now
        state.detector.retain(only: Set(map.nodes.map(\.id)))
        var verdicts: [NodeID: FailureDetector.Verdict] = [:]
        for node in map.nodes {
            let answered = if case .success? = probe[node.id] { true } else { false }
            state.detector.observe(node.id, answered: answered, nowMicros: now)
            verdicts[node.id] = state.detector.verdict(node.id, state: node.state, nowMicros: now)
            if let silent = state.detector.silentSince(node.id) {
                state.downSince[node.id] = state.downSince[node.id] ?? silent
            } else if node.state != .down {
                state.downSince[node.id] = nil
            }
        }
        state.markedDown = state.markedDown.filter { map.node($0)?.state == .down }
        if let decision = try configuration.policy.next(map, verdicts: verdicts, downSince: state.downSince, markedByController: state.markedDown, nowMicros: now) {
            _ = try await store.publish(decision.map, replacing: map)
            for node in decision.map.nodes where node.state == .down && map.node(node.id)?.state != .down {
                state.detector.noteMarkedDown(node.id, nowMicros: now)
                state.markedDown.insert(node.id)
            }
            for action in decision.actions {
                logger.notice("\(action)", metadata: ["epoch": "\(decision.map.epoch)"])
                state.status.record(action, epoch: decision.map.epoch, nowMicros: now)
            }
            map = decision.map
        }
        let before = map.epoch
        // The round's probe serves the step too, unless this round changed the epoch (then the
        // nodes' answers are about the one before, and the coordinator asks them again).
        let progress = try await coordinator.step(&map, probe: map.epoch == probedEpoch ? probe : nil, reporter: reporter)
        for sentence in progress.sentences {
            state.status.record(sentence, epoch: map.epoch, nowMicros: now)
        }
        if map.epoch != before, map.moves.isEmpty {
            state.status.record("rebalance done", epoch: map.epoch, nowMicros: now)
        }
        updateStatus(&state, map: map, probe: probe, nowMicros: now)
    }

    private func updateStatus(_ state: inout LeaderState, map: ClusterMap, probe: NodeAdmin.Probe, nowMicros: Int64) {
        state.status.updatedMicros = nowMicros
        state.status.epoch = map.epoch
        state.status.markedDown = state.markedDown.map(\.rawValue).sorted()
        state.status.downNodes = map.nodes.filter { $0.state == .down }.map { node in
            let since = state.downSince[node.id] ?? nowMicros
            let holds = !map.partitions(on: node.id).isEmpty
            return .init(node: node.id.rawValue, silentSinceMicros: since, reReplicationAtMicros: holds ? since + configuration.policy.reReplicationGraceMicros : 0)
        }
        let answering = Set(probe.compactMap { id, result in (try? result.get()) == nil ? nil : id })
        let under = map.underReplicatedPartitions(live: answering.intersection(map.nodesNotDown)).count
        if under == 0 {
            state.status.underReplicatedSinceMicros = 0
        } else if state.status.underReplicatedPartitions == 0 || state.status.underReplicatedSinceMicros == 0 {
            state.status.underReplicatedSinceMicros = nowMicros
        }
        state.status.underReplicatedPartitions = under
        state.status.moves = Dictionary(grouping: map.moves, by: \.phase.rawValue).mapValues(\.count)
    }
}

/// The controller's rebalance progress, in its log.
final class LogReporter: RebalanceReporter {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func step(_ text: String) { logger.notice("\(text)") }
    func waiting(_ text: String) {}
    func warn(_ text: String) { logger.warning("\(text)") }
}
