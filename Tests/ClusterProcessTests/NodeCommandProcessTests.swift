import Foundation
import Skewless
import SkewlessModel
import Testing

extension ProcessSuites {
    /// `fsctl node down|up|drain` and `fsctl status` against real node processes.
    @Suite(.timeLimit(.minutes(2)))
    struct NodeCommandProcessTests {
        @Test func anOperatorMarksANodeDownAndUpInNewEpochsOnEveryNode() async throws {
            let cluster = try await LocalCluster()
            defer { cluster.shutdown() }
            let addresses = try await cluster.startCluster(replication: 2)
            let before = try await Self.epoch(of: "node-1", in: cluster)

            let down = try await cluster.fsctl(["node", "down", "node-3", "--node", addresses[0]])
            #expect(down.contains("epoch \(before + 1): node-3 is down"), "\(down)")
            for id in ["node-1", "node-2", "node-3"] {
                #expect(try await Self.epoch(of: id, in: cluster) == before + 1, "\(id)")
            }
            let status = try await cluster.fsctl(["status", "--node", addresses[1]])
            #expect(status.contains("down"), "\(status)")
            #expect(!status.contains("Under-replicated partitions: none"), "\(status)")
            // Reads go on: the other replicas serve node-3's partitions first.
            let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-1")]) { $0.timeout = .seconds(10) })
            let ids = Array(LocalCluster.users.prefix(100))
            let features = try await client.getOnlineFeatures(
                features: ["user_transactions:txn_count_24h"], entities: ids.map { ["user_id": .int64(Int64($0))] })
            #expect(features.rows.map { $0.int64("user_transactions:txn_count_24h") } == ids.map { Int64($0) })
            await client.close()

            let again = try await cluster.fsctl(["node", "down", "node-3", "--node", addresses[0]])
            #expect(again.contains("already down"), "\(again)")
            let up = try await cluster.fsctl(["node", "up", "node-3", "--node", addresses[2]])
            #expect(up.contains("epoch \(before + 2): node-3 is up"), "\(up)")
            let healed = try await cluster.fsctl(["status", "--node", addresses[0]])
            #expect(healed.contains("Under-replicated partitions: none"), "\(healed)")
        }

        @Test func aDrainedNodeLeavesTheMapWithItsPartitionsMovedAndNoRowLost() async throws {
            let cluster = try await LocalCluster()
            defer { cluster.shutdown() }
            let addresses = try await cluster.startCluster(replication: 2)
            let drained = try await cluster.fsctl(["node", "drain", "node-2", "--node", addresses[0], "--grace-seconds", "0"])
            #expect(drained.contains("node-2 is drained"), "\(drained)")
            let status = try await cluster.fsctl(["status", "--node", addresses[0]])
            #expect(status.contains("2 nodes (2 up, 0 down)"), "\(status)")
            #expect(status.contains("Under-replicated partitions: none"), "\(status)")
            #expect(!status.contains("node-2 "), "\(status)")
            let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-3")]) { $0.timeout = .seconds(10) })
            let ids = Array(LocalCluster.users)
            let features = try await client.getOnlineFeatures(
                features: ["user_transactions:txn_count_24h"], entities: ids.map { ["user_id": .int64(Int64($0))] })
            #expect(features.rows.map { $0.int64("user_transactions:txn_count_24h") } == ids.map { Int64($0) })
            await client.close()
        }

        @Test func statusSkipsADeadSeedAndNeverHintsAtStartingANode() async throws {
            let cluster = try await LocalCluster()
            defer { cluster.shutdown() }
            let addresses = try await cluster.startCluster(replication: 2)
            cluster.kill9("node-1")
            let status = try await cluster.fsctl(["status", "--node", addresses.joined(separator: ",")])
            #expect(status.contains("node-1"), "\(status)")
            #expect(status.contains("no: unavailable"), "\(status)")
            #expect(!status.contains("to start one"), "\(status)")
            // Every seed dead: the error names them and suggests other nodes, not starting one.
            cluster.kill9("node-2")
            cluster.kill9("node-3")
            await #expect(throws: SkewlessError.self) { try await cluster.fsctl(["status", "--node", "\(addresses[0]),\(addresses[1])"]) }
            do {
                try await cluster.fsctl(["status", "--node", "\(addresses[0]),\(addresses[1])"])
            } catch let error as SkewlessError {
                #expect(error.message.contains("no node of \(addresses[0]), \(addresses[1]) answered"), "\(error.message)")
                #expect(!error.message.contains("to start one"), "\(error.message)")
            }
        }

        /// A node's map epoch, asked again while the (loaded) machine makes a call miss its deadline.
        static func epoch(of id: String, in cluster: LocalCluster) async throws -> UInt64 {
            for _ in 0..<20 {
                if let state = try? await cluster.state(of: id) { return state.epoch }
                try await Task.sleep(for: .milliseconds(100))
            }
            return try await cluster.state(of: id).epoch
        }
    }
}
