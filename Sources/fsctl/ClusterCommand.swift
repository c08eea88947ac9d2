import ArgumentParser

/// `fsctl cluster`: creating a cluster and keeping its nodes' maps in step.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Create a cluster of nodes, or push the newest cluster map to nodes that are behind.",
        subcommands: [ClusterInitCommand.self, ClusterSyncCommand.self])
}
