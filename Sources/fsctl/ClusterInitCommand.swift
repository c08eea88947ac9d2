import ArgumentParser
import Foundation
import Skewless
import SkewlessCommandLine
import SkewlessCluster
import SkewlessControl
import SkewlessModel

/// `fsctl cluster init`: places P partitions x R replicas on running nodes (docs/cluster.md)
/// and installs the map on every node, which then loads its partitions from the segment store.
struct ClusterInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a cluster from running nodes and wait until each has loaded its partitions.",
        discussion: """
            Each node must be running with its own --node-id, the same feature repo and the same segment store (--segments), and not be part of a cluster yet. Node ids come from the nodes themselves.

            Example:
              fsctl cluster init --nodes 127.0.0.1:7421,127.0.0.1:7422,127.0.0.1:7423 --replication 2
            """)

    @Option(help: ArgumentHelp("The nodes, comma-separated host:port (repeatable).", valueName: "host:port,..."))
    var nodes: [String] = []

    @Option(help: "Partitions (fixed for the cluster's life): 1 to 65536.")
    var partitions: Int = Partitioner.defaultPartitionCount

    @Option(help: "Replicas of each partition, on different nodes.")
    var replication: Int = 1

    @Option(name: .customLong("wait-seconds"), help: "How long to wait for the nodes to load their partitions; 0: do not wait.")
    var waitSeconds: Int = 300

    @Option(name: .customLong("timeout-ms"), help: "The deadline of each call to a node.")
    var timeoutMilliseconds: Int = 5_000

    @Option(help: ArgumentHelp("The control plane's etcd endpoints, comma-separated: the map is created in etcd (once: a cluster that exists there is refused), and nodes started with --etcd follow it.", valueName: "url,..."))
    var etcd: String?

    @Option(help: "The cluster's name in etcd (with --etcd).")
    var cluster: String = "default"

    @OptionGroup var security: SecurityOptions

    func validate() throws {
        guard !addresses.isEmpty else { throw ValidationError("give the nodes: --nodes host:port,host:port,...") }
        guard replication >= 1 else { throw ValidationError("--replication must be at least 1") }
        guard waitSeconds >= 0, timeoutMilliseconds > 0 else { throw ValidationError("--wait-seconds and --timeout-ms cannot be negative") }
        try ClusterOptions.validate(cluster: cluster)
    }

    private var addresses: [String] {
        nodes.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }

    func run() async throws {
        try await CommandFailure.reporting {
            let admin = NodeAdmin(timeout: .milliseconds(timeoutMilliseconds), security: try security.security())
            let progress = ClusterProgress()
            var members: [ClusterNode] = []
            for text in addresses {
                let address = try NodeAddress(parsing: text)
                let state = try await admin.withNode(address) { client throws(SkewlessError) in try await client.clusterState() }
                guard state.mapJSON.isEmpty else {
                    throw CommandFailure("\(address) (\(state.nodeID)) is already in a cluster at epoch \(state.epoch): see fsctl status --node \(address); add nodes with fsctl rebalance --add", exitCode: CommandFailure.failedPrecondition)
                }
                members.append(ClusterNode(id: try NodeID(state.nodeID), address: address))
            }
            if let repeated = Dictionary(grouping: members, by: \.id).first(where: { $0.value.count > 1 }) {
                throw CommandFailure("\(repeated.value.map(\.address.description).joined(separator: " and ")) both call themselves \(repeated.key): start each node with its own --node-id", exitCode: CommandFailure.rejectedInput)
            }
            let map = try ClusterMap.create(nodes: members, partitionCount: partitions, replicationFactor: replication)
            if let etcd {
                let client = try EtcdClient(endpoints: [etcd])
                let created: Bool
                do {
                    created = try await ControlStore(client: client, cluster: cluster).createMap(map)
                } catch {
                    await client.shutdown()
                    throw error
                }
                await client.shutdown()
                guard created else {
                    throw CommandFailure("etcd already holds a map of cluster '\(cluster)': see fsctl status --etcd \(etcd) --cluster \(cluster); add nodes with fsctl rebalance --add", exitCode: CommandFailure.failedPrecondition)
                }
                progress.step("epoch \(map.epoch): created cluster '\(cluster)' in etcd")
            }
            if etcd == nil {
                let failures = try await admin.install(map, on: map.nodes)
                if let (node, error) = failures.first {
                    throw CommandFailure("could not install the map on \(node.id) at \(node.address): \(error.message)", exitCode: CommandFailure.failure)
                }
                progress.step("epoch \(map.epoch): \(map.nodes.count) nodes, \(map.partitionCount) partitions x \(map.replicationFactor) replicas installed on every node")
            }
            // With etcd, the nodes (started with --etcd) read the map from there themselves.
            if waitSeconds > 0 {
                let expected = Dictionary(uniqueKeysWithValues: map.nodes.map { ($0.id, Set(map.partitionsHeld(by: $0.id))) })
                try await admin.waitUntilLoaded(expected, in: map, limit: .seconds(waitSeconds), reporter: progress)
                progress.step("every node has loaded its partitions from the segment store")
            }
            print("")
            print(map.statusSummary())
        }
    }
}
