import ArgumentParser
import Skewless
import SkewlessCluster
import SkewlessIngest

/// `fsctl status`: the cluster map as one node holds it, and what every node answers.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the cluster: nodes up or down, partitions per node, under-replicated partitions, moves in progress.",
        discussion: """
            Reads the map from --node (any node of the cluster), then asks every node it lists for its map and loaded partitions: a node that does not answer is shown down.
            """)

    @OptionGroup var nodeOptions: NodeOptions

    func run() async throws {
        try await CommandFailure.reporting(node: nodeOptions.node) {
            let admin = ClusterAdmin(timeout: .milliseconds(nodeOptions.timeoutMilliseconds ?? 1_000))
            let (map, probe) = try await admin.newestMap(from: NodeAddress(parsing: nodeOptions.node))
            let live = Set(probe.compactMap { id, result in (try? result.get()) == nil ? nil : id })
            print(map.statusSummary(live: live))
            print("")
            var rows: [[String]] = []
            for node in map.nodes {
                let held = map.partitionsHeld(by: node.id).count
                switch probe[node.id] {
                case .success(let state)?:
                    let epoch = state.epoch == map.epoch ? String(state.epoch) : "\(state.epoch) (behind: fsctl cluster sync)"
                    rows.append([node.id.rawValue, "yes", epoch, String(state.loadedPartitions.count), String(held)])
                case .failure(let error)?:
                    rows.append([node.id.rawValue, "no: \(error.code)", "-", "-", String(held)])
                case nil:
                    rows.append([node.id.rawValue, "not asked", "-", "-", String(held)])
                }
            }
            print(TablePrinter(headers: ["NODE", "ANSWERS", "EPOCH", "LOADED", "HOLDS"], rows: rows).render())
        }
    }
}
