import ArgumentParser
import Foundation
import Skewless
import SkewlessCommandLine
import SkewlessCluster
import SkewlessControl
import SkewlessModel

/// The options of commands that read or change the cluster map: where the map lives (the
/// nodes, or etcd) and how long a call may take.
struct ClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Nodes of the cluster, host:port, comma-separated; the first that answers is asked for the map (a dead one is skipped).", valueName: "host:port,..."))
    var node: String = "127.0.0.1:7421"

    @Option(help: ArgumentHelp("The control plane's etcd endpoints, comma-separated: the map is read from etcd and every change written there with a compare-and-swap.", valueName: "url,..."))
    var etcd: String?

    @Option(help: "The cluster's name in etcd (with --etcd).")
    var cluster: String = "default"

    @Option(name: .customLong("timeout-ms"), help: "The deadline of each call to a node, in milliseconds (default: 5000; status: 1000).")
    var timeoutMilliseconds: Int?

    @OptionGroup var security: SecurityOptions

    func validate() throws {
        guard (try? seeds()) != nil else {
            throw ValidationError("--node '\(node)' is not host:port[,host:port...] (e.g. 127.0.0.1:7421,127.0.0.1:7422)")
        }
        if let timeoutMilliseconds, timeoutMilliseconds <= 0 {
            throw ValidationError("--timeout-ms must be positive")
        }
        try Self.validate(cluster: cluster)
    }

    /// `--cluster`'s check, for every command that takes one.
    static func validate(cluster: String) throws {
        do {
            try ControlStore.checkClusterName(cluster)
        } catch {
            throw ValidationError("--cluster: \(error.message)")
        }
    }

    func seeds() throws(SkewlessError) -> [NodeAddress] {
        let parts = node.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw SkewlessError(.invalidArgument, "no node given") }
        return try parts.map { (text) throws(SkewlessError) in try NodeAddress(parsing: text) }
    }

    /// Runs `body` with the map store these options name (and the etcd control store, in
    /// the etcd mode), closing the etcd client afterwards.
    func withStore<T>(defaultTimeoutMilliseconds: Int = 5_000, _ body: (any ClusterMapStore, NodeAdmin, ControlStore?) async throws -> T) async throws -> T {
        let admin = NodeAdmin(timeout: .milliseconds(timeoutMilliseconds ?? defaultTimeoutMilliseconds), security: try security.security())
        guard let etcd else {
            return try await body(NodeMapStore(seeds: try seeds(), admin: admin), admin, nil)
        }
        let client = try EtcdClient(endpoints: [etcd])
        let control = ControlStore(client: client, cluster: cluster)
        do {
            let result = try await body(EtcdMapStore(control: control), admin, control)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// What `CommandFailure` hints at when nothing answers: in the etcd mode the map never
    /// depends on one node; with several seeds, naming one would mislead.
    var hintNode: String? {
        etcd == nil && !node.contains(",") ? node : nil
    }
}
