import ArgumentParser
import Foundation
import Skewless
import SkewlessCluster
import SkewlessModel

/// `fsctl rebalance`: adds or removes a node while the cluster serves (docs/cluster.md,
/// "Rebalancing"): begin (new owners load from the segment store), caught up, flip, drain.
struct RebalanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebalance",
        abstract: "Add a node to the cluster or remove one, moving partitions while it serves.",
        discussion: """
            Steps, each a new epoch of the cluster map installed on every node:
              1. begin: the new owners load the moving partitions from the segment store; writes go to old and new owners
              2. catching up: once every new owner reports its partitions loaded, it copies their rows
                 from the old owners (rows written to the nodes directly, not in the segments)
              3. flip: once every new owner reports them caught up, new owners serve; old owners keep
                 serving clients with older maps for --grace-seconds
              4. finish: old owners drop the data; a removed node leaves the map

            A rebalance that stopped before its end (new owners slow to load or catch up past
            --wait-seconds, the command interrupted) leaves its moves in the map: the cluster keeps
            serving, from the old owners. --resume takes them through their remaining steps; --abort,
            before the flip, drops them (the old owners keep their partitions, a node being added
            leaves the map, a node being removed is up again).

            Examples:
              fsctl rebalance --node 127.0.0.1:7421 --add 127.0.0.1:7424 --plan
              fsctl rebalance --node 127.0.0.1:7421 --add 127.0.0.1:7424
              fsctl rebalance --node 127.0.0.1:7421 --remove node-2
              fsctl rebalance --node 127.0.0.1:7421 --resume
              fsctl rebalance --node 127.0.0.1:7421 --abort
            """)

    @OptionGroup var nodeOptions: NodeOptions

    @Option(help: ArgumentHelp("A running node to add (host:port); its id is the one it was started with.", valueName: "host:port"))
    var add: String?

    @Option(help: ArgumentHelp("The id of a node to remove.", valueName: "node-id"))
    var remove: String?

    @Flag(help: "Only show what would move.")
    var plan = false

    @Flag(help: "Finish a rebalance that stopped before its end, from the step it reached.")
    var resume = false

    @Flag(help: "Undo a rebalance that stopped before its flip.")
    var abort = false

    @Option(name: .customLong("grace-seconds"), help: "How long old owners keep serving after the flip.")
    var graceSeconds: Double = Double(ClusterMap.defaultGracePeriodMicros) / 1e6

    @Option(name: .customLong("wait-seconds"), help: "How long new owners may take to load their partitions, and again to catch up on them.")
    var waitSeconds: Int = 600

    @Option(help: "Moves listed by --plan (the rest are counted).")
    var list: Int = 40

    func validate() throws {
        guard [add != nil, remove != nil, resume, abort].filter({ $0 }).count == 1 else {
            throw ValidationError("give one of --add host:port, --remove node-id, --resume or --abort")
        }
        guard !(plan && (resume || abort)) else { throw ValidationError("--plan shows what a new rebalance would move; it does not go with --resume or --abort") }
        guard graceSeconds >= 0, waitSeconds > 0 else { throw ValidationError("--grace-seconds cannot be negative and --wait-seconds must be positive") }
    }

    func run() async throws {
        try await CommandFailure.reporting(node: nodeOptions.node) {
            let admin = ClusterAdmin(timeout: .milliseconds(nodeOptions.timeoutMilliseconds ?? 5_000))
            var progress = ClusterProgress()
            var (map, _) = try await admin.newestMap(from: NodeAddress(parsing: nodeOptions.node))
            if abort {
                let before = map.nodes
                try map.abortMoves()
                try await installEverywhere(map, on: Self.everyNode(map, before), admin: admin, progress: &progress)
                progress.step("epoch \(map.epoch): rebalance aborted: the old owners keep their partitions; incoming nodes drop what they loaded")
                print("")
                print(map.statusSummary())
                return
            }
            if resume {
                guard !map.moves.isEmpty else {
                    print("no rebalance in progress at epoch \(map.epoch)")
                    print(map.statusSummary())
                    return
                }
                let phases = Dictionary(grouping: map.moves, by: \.phase).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
                progress.step("epoch \(map.epoch): resuming a rebalance: \(map.moves.count) replicas in motion (\(phases.joined(separator: ", ")))")
                try await finish(&map, alsoInstallOn: [], admin: admin, progress: &progress)
                return
            }
            let rebalance: RebalancePlan
            if let add {
                let address = try NodeAddress(parsing: add)
                let state = try await admin.withNode(address) { client throws(SkewlessError) in try await client.clusterState() }
                guard state.mapJSON.isEmpty || state.epoch <= map.epoch else {
                    throw CommandFailure("\(address) is in another cluster (epoch \(state.epoch))", exitCode: CommandFailure.failedPrecondition)
                }
                rebalance = try map.planAddNode(ClusterNode(id: try NodeID(state.nodeID), address: address))
            } else {
                rebalance = try map.planRemoveNode(try NodeID(remove ?? ""))
            }
            if plan {
                print(rebalance.summary(listing: list))
                return
            }
            let before = map.nodes
            try map.begin(rebalance)
            try await installEverywhere(map, on: Self.everyNode(map, before), admin: admin, progress: &progress)
            progress.step("epoch \(map.epoch): began \(rebalance.change): \(map.moves.count) replicas move; new owners load them from the segment store")
            try await finish(&map, alsoInstallOn: before, admin: admin, progress: &progress)
        }
    }

    /// Every node of `map` and `extra` (nodes a step must still reach, such as one the map
    /// no longer lists), nodes receiving partitions first: they must know their role before
    /// clients that learned the new map from another node reach them.
    private static func everyNode(_ map: ClusterMap, _ extra: [ClusterNode]) -> [ClusterNode] {
        let incoming = Set(map.moves.map(\.to))
        let all = map.nodes + extra.filter { node in !map.nodes.contains { $0.id == node.id } }
        return all.filter { incoming.contains($0.id) } + all.filter { !incoming.contains($0.id) }
    }

    /// Takes the map's moves through the steps they have not reached: loaded, caught up,
    /// flipped, drained. Each step's map is installed on every node first.
    private func finish(_ map: inout ClusterMap, alsoInstallOn extra: [ClusterNode], admin: ClusterAdmin, progress: inout ClusterProgress) async throws {
        let expected = PartitionReadiness.incomingPartitions(of: map)
        if map.moves.contains(where: { $0.phase == .loading }) {
            try await admin.waitUntil(.loaded, expected, in: map, limit: .seconds(waitSeconds), progress: &progress)
            try map.markLoaded()
            try await installEverywhere(map, on: Self.everyNode(map, extra), admin: admin, progress: &progress)
            progress.step("epoch \(map.epoch): new owners have loaded \(map.moves.count) partitions; they copy the rows the segments lack from the old owners")
        }
        if map.moves.contains(where: { $0.phase == .catchingUp }) {
            try await admin.waitUntil(.caughtUp, expected, in: map, limit: .seconds(waitSeconds), progress: &progress)
            progress.step("epoch \(map.epoch): new owners caught up on \(map.moves.count) partitions")
            let grace = Int64(graceSeconds * 1e6)
            try map.flip(nowMicros: WallClock.nowMicros(), gracePeriodMicros: grace)
            try await installEverywhere(map, on: Self.everyNode(map, extra), admin: admin, progress: &progress)
            progress.step("epoch \(map.epoch): flipped: new owners serve; old owners drain for \(graceSeconds) s")
        }
        let deadline = map.moves.map(\.drainDeadlineMicros).max() ?? 0
        while WallClock.nowMicros() < deadline {
            progress.waiting("draining: \((deadline - WallClock.nowMicros()) / 1_000_000 + 1) s left")
            try? await Task.sleep(for: .milliseconds(min(500, max(1, (deadline - WallClock.nowMicros()) / 1_000))))
        }
        let drainedFrom = Self.everyNode(map, extra)
        try map.finishDraining(nowMicros: WallClock.nowMicros())
        try await installEverywhere(map, on: drainedFrom, admin: admin, progress: &progress)
        progress.step("epoch \(map.epoch): old owners dropped the moved partitions; rebalance done")
        print("")
        print(map.statusSummary())
    }

    /// Installs `map` on `nodes`; a node that is down only warns (it is under-replicated until
    /// it is back and `fsctl cluster sync` has run), but a node receiving partitions must take it.
    private func installEverywhere(_ map: ClusterMap, on nodes: [ClusterNode], admin: ClusterAdmin, progress: inout ClusterProgress) async throws {
        let receiving = Set(map.moves.map(\.to))
        for (node, error) in try await admin.install(map, on: nodes) {
            if receiving.contains(node.id) {
                throw CommandFailure("\(node.id) at \(node.address) receives partitions but did not take epoch \(map.epoch): \(error.message). The cluster stays at the previous step; fix the node and run fsctl cluster sync, then fsctl rebalance --resume", exitCode: CommandFailure.failure)
            }
            progress.warn("\(node.id) at \(node.address) did not take epoch \(map.epoch): \(error.message) (run fsctl cluster sync when it is back)")
        }
    }
}
