import ArgumentParser
import Foundation
import Skewless
import SkewlessCluster
import SkewlessControl
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

            A rebalance that stopped before its end (new owners making no progress for
            --wait-seconds, the command interrupted) leaves its moves in the map: the cluster keeps
            serving, from the old owners. --resume takes them through their remaining steps; --abort,
            before the flip, drops them (the old owners keep their partitions, a node being added
            leaves the map, a node being removed is up again). With --etcd, the map is in etcd and
            the cluster's controller also takes a stopped rebalance to its end by itself.

            Examples:
              fsctl rebalance --node 127.0.0.1:7421 --add 127.0.0.1:7424 --plan
              fsctl rebalance --node 127.0.0.1:7421 --add 127.0.0.1:7424
              fsctl rebalance --node 127.0.0.1:7421 --remove node-2
              fsctl rebalance --node 127.0.0.1:7421 --resume
              fsctl rebalance --node 127.0.0.1:7421 --abort
            """)

    @OptionGroup var clusterOptions: ClusterOptions

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

    @Option(name: .customLong("wait-seconds"), help: "How long new owners may make no progress loading or catching up before the command gives up.")
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
        try await CommandFailure.reporting(node: clusterOptions.hintNode) {
            try await clusterOptions.withStore { store, admin, _ in
                let progress = ClusterProgress()
                var coordinator = RebalanceCoordinator(store: store, admin: admin)
                coordinator.gracePeriodMicros = Int64(graceSeconds * 1e6)
                coordinator.waitLimit = .seconds(waitSeconds)
                var map = try await store.load()
                if abort {
                    try await coordinator.abort(&map, reporter: progress)
                } else if resume {
                    guard !map.moves.isEmpty else {
                        print("no rebalance in progress at epoch \(map.epoch)")
                        print(map.statusSummary())
                        return
                    }
                    let phases = Dictionary(grouping: map.moves, by: \.phase).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
                    progress.step("epoch \(map.epoch): resuming a rebalance: \(map.moves.count) replicas in motion (\(phases.joined(separator: ", ")))")
                    try await coordinator.finish(&map, reporter: progress)
                    progress.step("epoch \(map.epoch): rebalance done")
                } else {
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
                    try await coordinator.begin(rebalance, on: &map, reporter: progress)
                    try await coordinator.finish(&map, reporter: progress)
                    progress.step("epoch \(map.epoch): rebalance done")
                }
                print("")
                print(map.statusSummary())
            }
        }
    }
}
