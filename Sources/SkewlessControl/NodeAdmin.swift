import Foundation
import SkewlessModel
import Skewless
import SkewlessCluster

/// What operators and the controller do to nodes: read the map, ask each node what it holds,
/// install a map on nodes. One short-lived client per node, talking to that node alone.
package struct NodeAdmin: Sendable {
    /// The deadline of each call to one node.
    package let timeout: Duration
    /// TLS and the bearer token of every call.
    package let security: FeatureClient.Security

    /// The answer of every node, or why it did not answer.
    package typealias Probe = [NodeID: Result<NodeClusterState, SkewlessError>]

    package init(timeout: Duration, security: FeatureClient.Security = .none) {
        self.timeout = timeout
        self.security = security
    }

    /// Runs `body` with a client of the node at `address`.
    package func withNode<T>(_ address: NodeAddress, _ body: (FeatureClient) async throws(SkewlessError) -> T) async throws(SkewlessError) -> T {
        let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: address.host, port: address.port)) {
            $0.timeout = timeout
            $0.connectionsPerNode = 1
            $0.maxAttempts = 1
            $0.clientName = "fsctl"
            $0.security = security
        })
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// The map the node at `seed` holds.
    /// - Throws: `FAILED_PRECONDITION` when the node is not part of a cluster.
    package func map(from seed: NodeAddress) async throws(SkewlessError) -> ClusterMap {
        let state = try await withNode(seed) { client throws(SkewlessError) in try await client.clusterState() }
        guard !state.mapJSON.isEmpty else {
            throw SkewlessError(.failedPrecondition, "the node at \(seed) is not part of a cluster: create one with fsctl cluster init --nodes ADDR,ADDR,...")
        }
        return try ClusterMapFile.decode(state.mapJSON, source: "the cluster map of \(seed)")
    }

    /// The newest map among the node at `seed` and every node its map lists (a node may be
    /// behind after an interrupted operation).
    package func newestMap(from seed: NodeAddress) async throws(SkewlessError) -> (map: ClusterMap, probe: Probe) {
        var map = try await map(from: seed)
        let probe = await probe(map.nodes)
        for case .success(let state) in probe.values where state.epoch > map.epoch {
            if let newer = try? ClusterMapFile.decode(state.mapJSON, source: "the cluster map of \(state.nodeID)") {
                map = newer
            }
        }
        return (map, probe)
    }

    /// The newest map among the first of `seeds` that answers and every node its map lists:
    /// a dead seed is skipped.
    /// - Throws: the last seed's error when none answers, naming every seed tried.
    package func newestMap(from seeds: [NodeAddress]) async throws(SkewlessError) -> (map: ClusterMap, probe: Probe) {
        var errors: [String] = []
        var last: SkewlessError?
        for seed in seeds {
            do throws(SkewlessError) {
                return try await newestMap(from: seed)
            } catch where error.code == .failedPrecondition {
                throw error  // it answered: not part of a cluster
            } catch {
                errors.append("\(seed): \(error.message)")
                last = error
            }
        }
        guard let last else { throw SkewlessError(.invalidArgument, "no node to ask: give --node HOST:PORT[,HOST:PORT...]") }
        guard seeds.count > 1 else { throw last }
        throw SkewlessError(last.code, "no node of \(seeds.map(\.description).joined(separator: ", ")) answered (\(errors.joined(separator: "; "))): check that they run, or name other nodes of the cluster with --node")
    }

    /// Asks every node, in parallel, for its map and loaded partitions.
    package func probe(_ nodes: [ClusterNode]) async -> Probe {
        await withTaskGroup(of: (NodeID, Result<NodeClusterState, SkewlessError>).self) { tasks in
            for node in nodes {
                tasks.addTask {
                    do throws(SkewlessError) {
                        return (node.id, .success(try await withNode(node.address) { client throws(SkewlessError) in try await client.clusterState() }))
                    } catch {
                        return (node.id, .failure(error))
                    }
                }
            }
            var probe: Probe = [:]
            for await (id, result) in tasks {
                probe[id] = result
            }
            return probe
        }
    }

    /// Installs `map` on `nodes` (in that order, one at a time, so that nodes listed first
    /// have it before clients can learn it from the others).
    /// - Returns: the nodes that did not take it, with the reason.
    package func install(_ map: ClusterMap, on nodes: [ClusterNode]) async throws(SkewlessError) -> [(ClusterNode, SkewlessError)] {
        let json = try ClusterMapFile.encode(map)
        var failures: [(ClusterNode, SkewlessError)] = []
        for node in nodes {
            do throws(SkewlessError) {
                let epoch = try await withNode(node.address) { client throws(SkewlessError) in try await client.installClusterMap(json) }
                if epoch != map.epoch {
                    failures.append((node, SkewlessError(.failedPrecondition, "\(node.id) kept its map at epoch \(epoch) (installing \(map.epoch))")))
                }
            } catch {
                failures.append((node, error))
            }
        }
        return failures
    }

    /// Waits until every node in `expected` reports every partition listed for it loaded
    /// (GET_CLUSTER_MAP's `loaded_partitions`), showing how far they are.
    /// - Throws: `DEADLINE_EXCEEDED` after `limit`, naming the nodes behind.
    package func waitUntilLoaded(_ expected: [NodeID: Set<Int>], in map: ClusterMap, limit: Duration, reporter: (any RebalanceReporter)?) async throws(SkewlessError) {
        let nodes = map.nodes.filter { expected[$0.id] != nil }
        let start = ContinuousClock.now
        while true {
            let probe = await probe(nodes)
            var reported: [NodeID: [Int]?] = [:]
            for node in nodes {
                if case .success(let state)? = probe[node.id] {
                    reported[node.id] = state.loadedPartitions
                }
            }
            let status = PartitionReadiness(expected: expected, reported: reported)
            if status.isComplete { return }
            let behind = status.behind.joined(separator: ", ")
            reporter?.waiting("loading from the segment store: \(status.ready) of \(status.total) partitions (\(behind))")
            guard ContinuousClock.now - start < limit else {
                throw SkewlessError(.deadlineExceeded, "nodes had not loaded their partitions after \(limit): \(behind); check their logs and the segment store they read (--segments)")
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
