import ArgumentParser
import Skewless
import SkewlessCommandLine
import SkewlessCluster
import SkewlessControl

/// `fsctl cluster sync`: installs the newest map any node holds on the nodes that are behind
/// (a node that was down during a rebalance comes back with the map it had).
struct ClusterSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Install the newest cluster map on every node that holds an older one.")

    @OptionGroup var nodeOptions: NodeOptions

    func run() async throws {
        try await CommandFailure.reporting(node: nodeOptions.node) {
            let admin = NodeAdmin(timeout: .milliseconds(nodeOptions.timeoutMilliseconds ?? 5_000), security: try nodeOptions.security.security())
            let progress = ClusterProgress()
            let (map, probe) = try await admin.newestMap(from: NodeAddress(parsing: nodeOptions.node))
            let behind = map.nodes.filter { node in
                guard case .success(let state)? = probe[node.id] else { return false }
                return state.epoch < map.epoch
            }
            for node in map.nodes {
                if case .failure(let error)? = probe[node.id] {
                    progress.warn("\(node.id) at \(node.address) does not answer (\(error.message)); run this again when it is back")
                }
            }
            guard !behind.isEmpty else {
                progress.step("every node that answers has epoch \(map.epoch)")
                return
            }
            for (node, error) in try await admin.install(map, on: behind) {
                progress.warn("\(node.id): \(error.message)")
            }
            progress.step("installed epoch \(map.epoch) on \(behind.map(\.id.rawValue).joined(separator: ", "))")
        }
    }
}
