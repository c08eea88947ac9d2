import ArgumentParser
import Skewless
import SkewlessCluster

/// `fsctl node down|up NODE`: an operator marks a node down (or up again) in a new map epoch.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Mark a cluster node down or up again in the cluster map.",
        subcommands: [NodeDownCommand.self, NodeUpCommand.self])
}

struct NodeDownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Mark a node down: clients read its partitions from the other replicas first.",
        discussion: """
            The node keeps its partitions in the map, which count as under-replicated (fsctl status), and writes for them go on to the other replicas; it is tried last by clients. The new map is installed on every node that answers, the marked node included if it does. Moving its partitions elsewhere is fsctl rebalance --remove.
            """)

    @OptionGroup var nodeOptions: NodeOptions

    @Argument(help: "The node's id, as fsctl status shows it.")
    var id: String

    func run() async throws {
        try await NodeStateChange.run(nodeOptions, id: id, to: .down)
    }
}

struct NodeUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Mark a node up again: clients read from it as from any replica.")

    @OptionGroup var nodeOptions: NodeOptions

    @Argument(help: "The node's id, as fsctl status shows it.")
    var id: String

    func run() async throws {
        try await NodeStateChange.run(nodeOptions, id: id, to: .up)
    }
}

/// Marks a node in the newest map any node holds, and installs the result.
enum NodeStateChange {
    static func run(_ nodeOptions: NodeOptions, id: String, to state: NodeState) async throws {
        try await CommandFailure.reporting(node: nodeOptions.node) {
            let admin = ClusterAdmin(timeout: .milliseconds(nodeOptions.timeoutMilliseconds ?? 5_000))
            var progress = ClusterProgress()
            let (newest, probe) = try await admin.newestMap(from: NodeAddress(parsing: nodeOptions.node))
            var map = newest
            let before = map.epoch
            try map.markNode(NodeID(id), state)
            guard map.epoch != before else {
                progress.step("\(id) is already \(state.rawValue) at epoch \(before)")
                return
            }
            let answering = map.nodes.filter { node in
                if case .success? = probe[node.id] { return true }
                return false
            }
            for (node, error) in try await admin.install(map, on: answering) {
                progress.warn("\(node.id): \(error.message); run fsctl cluster sync when it answers")
            }
            for node in map.nodes where !answering.contains(where: { $0.id == node.id }) {
                progress.warn("\(node.id) at \(node.address) does not answer; run fsctl cluster sync when it is back")
            }
            progress.step("epoch \(map.epoch): \(id) is \(state.rawValue)")
        }
    }
}
