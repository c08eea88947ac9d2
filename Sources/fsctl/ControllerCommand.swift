import ArgumentParser
import Foundation
import Logging
import Skewless
import SkewlessCommandLine
import SkewlessControl

/// `fsctl controller`: runs a candidate for the cluster's controller outside the nodes, until
/// SIGINT or SIGTERM (fsnode --etcd runs one in every node by default).
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run a candidate for the cluster's controller (failure detection, re-replication, rebalances).",
        discussion: """
            One controller is active at a time, elected through etcd; the others wait and take over within the lease's TTL when it dies. Every node started with fsnode --etcd already runs a candidate unless started with --no-controller; this command runs one on its own, for clusters whose nodes do not.

            Example:
              fsctl controller --etcd http://127.0.0.1:2379 --failure-timeout-seconds 3 --re-replication-grace-seconds 60
            """)

    @Option(help: ArgumentHelp("The control plane's etcd endpoints, comma-separated.", valueName: "url,..."))
    var etcd: String

    @Option(help: "The cluster's name in etcd.")
    var cluster: String = "default"

    @Option(help: "This candidate's name in etcd and logs. Default: controller-<pid>.")
    var id: String?

    @Option(help: "A node is marked down after it has not answered for this long.")
    var failureTimeoutSeconds: Double = 3

    @Option(help: "The partitions of a node down for this long are re-replicated on the other nodes.")
    var reReplicationGraceSeconds: Double = 60

    @Option(help: "After a flip of a move the controller drives, old owners keep serving for this long.")
    var drainGraceSeconds: Double = 5

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "notice"

    @OptionGroup var security: SecurityOptions

    func validate() throws {
        guard failureTimeoutSeconds > 0, reReplicationGraceSeconds >= 0, drainGraceSeconds >= 0 else {
            throw ValidationError("--failure-timeout-seconds must be positive; the grace periods cannot be negative")
        }
        try ClusterOptions.validate(cluster: cluster)
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)': use trace, debug, info, notice, warning, error or critical")
        }
    }

    func run() async throws {
        try await CommandFailure.reporting {
            let level = Logger.Level(rawValue: logLevel) ?? .notice
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let client = try EtcdClient(endpoints: [etcd])
            var configuration = Controller.Configuration()
            configuration.detector.timeoutMicros = Int64(failureTimeoutSeconds * 1e6)
            configuration.policy.reReplicationGraceMicros = Int64(reReplicationGraceSeconds * 1e6)
            configuration.gracePeriodMicros = Int64(drainGraceSeconds * 1e6)
            configuration.security = try security.security()
            let controller = Controller(
                id: id ?? "controller-\(getpid())", control: ControlStore(client: client, cluster: cluster),
                configuration: configuration, logger: Logger(label: "skewless.controller"))
            let task = Task { await controller.run() }
            let trap = SignalTrap([SIGINT, SIGTERM]) { task.cancel() }
            await task.value
            trap.cancel()
            await client.shutdown()
        }
    }
}
