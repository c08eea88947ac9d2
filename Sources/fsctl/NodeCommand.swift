import ArgumentParser
import Skewless
import SkewlessCluster
import SkewlessControl
import SkewlessModel

/// `fsctl node down|up|drain NODE`: an operator acts on one node through the cluster map.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Mark a cluster node down or up, or drain it of its partitions.",
        subcommands: [NodeDownCommand.self, NodeUpCommand.self, NodeDrainCommand.self])
}

struct NodeDownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Mark a node down: clients read its partitions from the other replicas first.",
        discussion: """
            The node keeps its partitions in the map, which count as under-replicated (fsctl status), and writes for them go on to the other replicas; it is tried last by clients. With --etcd, the controller re-replicates its partitions on the other nodes after its grace, as for a node that failed; otherwise fsctl node drain (or rebalance --remove) moves them.
            """)

    @OptionGroup var clusterOptions: ClusterOptions

    @Argument(help: "The node's id, as fsctl status shows it.")
    var id: String

    func run() async throws {
        try await NodeStateChange.run(clusterOptions, id: id, to: .down)
    }
}

struct NodeUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Mark a node up again: clients read from it as from any replica.")

    @OptionGroup var clusterOptions: ClusterOptions

    @Argument(help: "The node's id, as fsctl status shows it.")
    var id: String

    func run() async throws {
        try await NodeStateChange.run(clusterOptions, id: id, to: .up)
    }
}

struct NodeDrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Move every partition off a node, then remove it from the cluster map.",
        discussion: """
            The same staged moves as fsctl rebalance --remove (load, catch up, flip, drain): the node serves until its partitions have moved, then leaves the map and holds nothing; stop it, or add it again later with fsctl rebalance --add. Interrupted, it is finished by fsctl rebalance --resume (or, with --etcd, by the controller).
            """)

    @OptionGroup var clusterOptions: ClusterOptions

    @Argument(help: "The node's id, as fsctl status shows it.")
    var id: String

    @Option(name: .customLong("grace-seconds"), help: "How long the node keeps serving moved partitions after the flip.")
    var graceSeconds: Double = Double(ClusterMap.defaultGracePeriodMicros) / 1e6

    func run() async throws {
        try await CommandFailure.reporting(node: clusterOptions.hintNode) {
            try await clusterOptions.withStore { store, admin, _ in
                let progress = ClusterProgress()
                var coordinator = RebalanceCoordinator(store: store, admin: admin)
                coordinator.gracePeriodMicros = Int64(graceSeconds * 1e6)
                var map = try await store.load()
                try await coordinator.begin(try map.planRemoveNode(try NodeID(id)), on: &map, reporter: progress)
                try await coordinator.finish(&map, reporter: progress)
                progress.step("epoch \(map.epoch): \(id) is drained and out of the cluster map")
                print("")
                print(map.statusSummary())
            }
        }
    }
}

/// Marks a node in the newest map, and publishes the result.
enum NodeStateChange {
    static func run(_ options: ClusterOptions, id: String, to state: NodeState) async throws {
        try await CommandFailure.reporting(node: options.hintNode) {
            try await options.withStore { store, _, _ in
                let progress = ClusterProgress()
                let previous = try await store.load()
                var map = previous
                try map.markNode(NodeID(id), state)
                guard map.epoch != previous.epoch else {
                    progress.step("\(id) is already \(state.rawValue) at epoch \(previous.epoch)")
                    return
                }
                for (node, error) in try await store.publish(map, replacing: previous) {
                    progress.warn("\(node.id) at \(node.address) did not take epoch \(map.epoch): \(error.message)\(options.etcd == nil ? "; run fsctl cluster sync when it answers" : " (it reads the map from etcd when it is back)")")
                }
                progress.step("epoch \(map.epoch): \(id) is \(state.rawValue)")
            }
        }
    }
}
