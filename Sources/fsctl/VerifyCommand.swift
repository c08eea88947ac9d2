import ArgumentParser
import Foundation
import Skewless
import SkewlessCluster
import SkewlessControl
import SkewlessIngest
import SkewlessModel
import SkewlessServer
import SkewlessWire

/// `fsctl verify`: compares every partition's replicas by digest (PARTITION_DIGEST) and
/// reports the partitions whose replicas hold other rows; `--repair` repairs them by the
/// newer-wins rule, with the code the nodes' anti-entropy loop runs (`ReplicaRepair`).
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare every partition's replicas by digest; report (and with --repair, repair) those that differ.",
        discussion: """
            Reads the newest cluster map from --node (the first node that answers, and the nodes it lists) or from etcd with --etcd, asks every replica of every partition for its row count and digest per view, and compares them. A node that does not answer is warned about, and its partitions are reported unverifiable, not as differences. Partitions that are moving (a rebalance) are skipped.

            --repair gives each replica of a differing partition the rows it lacks or holds older (only the rows of the digest buckets that differ travel), then compares those partitions again.

            Exit status: 0 no replicas differ (or all were repaired); 6 replicas still differ; the usual statuses when the cluster cannot be read.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    static let replicasDiffer: Int32 = 6

    @OptionGroup var clusterOptions: ClusterOptions

    @Option(help: "Compare one view (name or name@version). Default: every view.")
    var view: String?

    @Flag(help: "Repair the partitions whose replicas differ, by the newer-wins rule.")
    var repair = false

    @Option(help: "text or json.")
    var format: Format = .text

    func run() async throws {
        try await CommandFailure.reporting(node: clusterOptions.hintNode) {
            try await clusterOptions.withStore(defaultTimeoutMilliseconds: 10_000) { store, admin, _ in
                try await verify(store: store, admin: admin)
            }
        }
    }

    private func verify(store: any ClusterMapStore, admin: NodeAdmin) async throws {
        let timeout = admin.timeout
        let map = try await store.load()
        let probe = await admin.probe(map.nodes)
        var clients: [String: FeatureClient] = [:]
        var absent: [String: String] = [:]
        for node in map.nodes {
            switch probe[node.id] {
            case .success?:
                clients[node.id.rawValue] = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: node.address.host, port: node.address.port)) {
                    $0.timeout = timeout
                    $0.connectionsPerNode = 1
                    $0.maxAttempts = 1
                    $0.clientName = "fsctl verify"
                    $0.security = admin.security
                })
            case .failure(let error)?:
                absent[node.id.rawValue] = "\(error.code): \(error.message)"
                StandardError.write("warning: node \(node.id) (\(node.address)) did not answer (\(error.message)); its partitions are unverifiable")
            case nil:
                absent[node.id.rawValue] = "not asked"
            }
        }
        var replicaRepair = ReplicaRepair(transport: ClientReplicaTransport(clients: clients, timeout: timeout, absent: absent), mapEpoch: map.epoch)
        replicaRepair.featureView = view ?? ""
        let moving = Set(map.moves.map(\.partition))
        let sets = (0..<map.partitionCount).filter { !moving.contains($0) }.map {
            ReplicaSet(partition: $0, replicas: map.replicas(of: $0).map(\.rawValue))
        }
        let comparison = await replicaRepair.compare(sets)
        var repairs: [RepairOutcome] = []
        var failures: [(PartitionDifference, SkewlessError)] = []
        var remaining = comparison.differences
        if repair, !comparison.differences.isEmpty {
            for difference in comparison.differences {
                do throws(SkewlessError) {
                    repairs.append(try await replicaRepair.repair(difference))
                } catch {
                    failures.append((difference, error))
                }
            }
            let again = Set(comparison.differences.map(\.partition))
            remaining = await replicaRepair.compare(sets.filter { again.contains($0.partition) }).differences
        }
        let report = Report(
            epoch: map.epoch, nodes: map.nodes.count, moving: moving.count, comparison: comparison,
            repairs: repairs, failures: failures, remaining: remaining, repaired: repair)
        print(format == .json ? report.json.serialized() : report.text)
        for client in clients.values { await client.close() }
        if !remaining.isEmpty { throw ExitCode(Self.replicasDiffer) }
    }

    /// What verify found and did, for people or machines.
    struct Report {
        var epoch: UInt64
        var nodes: Int
        var moving: Int
        var comparison: ReplicaComparison
        var repairs: [RepairOutcome]
        var failures: [(PartitionDifference, SkewlessError)]
        var remaining: [PartitionDifference]
        var repaired: Bool

        var unverifiablePartitions: Int { Set(comparison.unverifiable.map(\.partition)).count }

        var text: String {
            var lines: [String] = []
            lines.append("cluster map epoch \(epoch), \(nodes) nodes: compared \(comparison.compared) (view, partition) pairs; \(comparison.differences.count) differ; \(unverifiablePartitions) partitions unverifiable; \(moving) moving (skipped)")
            if !comparison.differences.isEmpty {
                lines.append("")
                let rows = comparison.differences.map { difference in
                    [difference.featureView, String(difference.partition), difference.replicas.map { "\($0.node): \($0.rowCount) rows, digest \(Self.hex($0.digest))" }.joined(separator: "; ")]
                }
                lines.append(TablePrinter(headers: ["VIEW", "PARTITION", "REPLICAS"], rows: rows).render())
            }
            if !comparison.unverifiable.isEmpty {
                lines.append("")
                var byNode: [String: (partitions: Int, reason: String)] = [:]
                for problem in comparison.unverifiable {
                    byNode[problem.node, default: (0, problem.reason)].partitions += 1
                }
                for (node, entry) in byNode.sorted(by: { $0.key < $1.key }) {
                    lines.append("unverifiable: \(entry.partitions) partitions of \(node) (\(entry.reason))")
                }
            }
            if repaired {
                lines.append("")
                for outcome in repairs {
                    let each = outcome.difference.replicas.map { "\($0.node) +\(outcome.rowsStored[$0.node] ?? 0) (of \(outcome.rowsSent[$0.node] ?? 0) sent)" }
                    lines.append("repaired \(outcome.difference.featureView) partition \(outcome.difference.partition): \(each.joined(separator: ", ")) (\(outcome.buckets.count) digest buckets compared)")
                }
                for (difference, error) in failures {
                    lines.append("could not repair \(difference.featureView) partition \(difference.partition): \(error.message)")
                }
                lines.append(remaining.isEmpty ? "replicas agree after the repair" : "\(remaining.count) (view, partition) pairs still differ (rows still being written? run verify again)")
            } else if !comparison.differences.isEmpty {
                lines.append("")
                lines.append("repair them with: fsctl verify --repair (the nodes' anti-entropy loops also repair them in their next pass)")
            }
            return lines.joined(separator: "\n")
        }

        var json: JSONValue {
            func difference(_ difference: PartitionDifference) -> JSONValue {
                .object([
                    JSONValue.Member("feature_view", .string(difference.featureView)),
                    JSONValue.Member("partition", .integer(difference.partition)),
                    JSONValue.Member("replicas", .array(difference.replicas.map { replica in
                        .object([
                            JSONValue.Member("node", .string(replica.node)),
                            JSONValue.Member("rows", .integer(replica.rowCount)),
                            JSONValue.Member("digest", .string(Self.hex(replica.digest))),
                        ])
                    })),
                ])
            }
            return .object([
                JSONValue.Member("epoch", .integer(epoch)),
                JSONValue.Member("compared", .integer(comparison.compared)),
                JSONValue.Member("moving_partitions", .integer(moving)),
                JSONValue.Member("differences", .array(comparison.differences.map(difference))),
                JSONValue.Member("unverifiable", .array(comparison.unverifiable.map { problem in
                    .object([
                        JSONValue.Member("partition", .integer(problem.partition)),
                        JSONValue.Member("node", .string(problem.node)),
                        JSONValue.Member("reason", .string(problem.reason)),
                    ])
                })),
                JSONValue.Member("repairs", .array(repairs.map { outcome in
                    .object([
                        JSONValue.Member("feature_view", .string(outcome.difference.featureView)),
                        JSONValue.Member("partition", .integer(outcome.difference.partition)),
                        JSONValue.Member("buckets", .array(outcome.buckets.map { .integer($0) })),
                        JSONValue.Member("rows_sent", .object(outcome.rowsSent.sorted { $0.key < $1.key }.map { JSONValue.Member($0.key, .integer($0.value)) })),
                        JSONValue.Member("rows_stored", .object(outcome.rowsStored.sorted { $0.key < $1.key }.map { JSONValue.Member($0.key, .integer($0.value)) })),
                    ])
                })),
                JSONValue.Member("repair_failures", .array(failures.map { item in
                    .object([
                        JSONValue.Member("feature_view", .string(item.0.featureView)),
                        JSONValue.Member("partition", .integer(item.0.partition)),
                        JSONValue.Member("error", .string(item.1.message)),
                    ])
                })),
                JSONValue.Member("remaining_differences", .array(remaining.map(difference))),
            ])
        }

        static func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }
}
