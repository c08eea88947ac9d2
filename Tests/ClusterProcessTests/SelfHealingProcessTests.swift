import Foundation
import Skewless
import SkewlessCluster
import SkewlessControl
import SkewlessModel
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ProcessSuites {
    /// The self-healing cluster of issue 15 with a real etcd and real nodes on 127.0.0.1:
    /// failure detection, re-replication, controller failover, an etcd restart.
    @Suite(.serialized, .timeLimit(.minutes(3)))
    struct SelfHealingProcessTests {
        static let nodeIDs = ["node-1", "node-2", "node-3"]

        /// Starts etcd and three nodes following it, creates a cluster of 32 partitions x 2
        /// replicas, runs `body`, and stops everything, also when it fails.
        static func withCluster(
            controllerInNodes: Bool = true,
            _ body: (LocalCluster, EtcdServerProcess, ControlStore) async throws -> Void
        ) async throws {
            let etcd = try await EtcdServerProcess.start()
            let client = try EtcdClient(endpoints: [etcd.endpoint])
            let control = ControlStore(client: client)
            var arguments = ["--etcd", etcd.endpoint, "--failure-timeout-seconds", "2", "--re-replication-grace-seconds", "3"]
            if !controllerInNodes { arguments.append("--no-controller") }
            let cluster: LocalCluster
            do {
                cluster = try await LocalCluster(nodeArguments: arguments)
            } catch {
                await client.shutdown()
                await etcd.stop()
                throw error
            }
            do {
                var addresses: [String] = []
                for id in nodeIDs { addresses.append(try await cluster.start(id)) }
                try await cluster.fsctl(["cluster", "init", "--etcd", etcd.endpoint, "--nodes", addresses.joined(separator: ","), "--partitions", "32", "--replication", "2"])
                try await body(cluster, etcd, control)
            } catch {
                cluster.shutdown()
                await client.shutdown()
                await etcd.stop()
                throw error
            }
            cluster.shutdown()
            await client.shutdown()
            await etcd.stop()
        }

        /// Polls the map in etcd until `condition` holds.
        /// - Returns: how long it took.
        @discardableResult
        static func waitForMap(_ control: ControlStore, within limit: Duration, _ what: String, _ condition: (ClusterMap) -> Bool) async throws -> Duration {
            let start = ContinuousClock.now
            var last: ClusterMap?
            while ContinuousClock.now - start < limit {
                if let (map, _) = try? await control.loadMap() {
                    last = map
                    if condition(map) { return ContinuousClock.now - start }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("\(what) did not happen within \(limit); the map: \(last.map { $0.statusSummary() } ?? "none")")
            throw SkewlessError(.deadlineExceeded, "\(what) did not happen within \(limit)")
        }

        static func id(_ text: String) -> NodeID { try! NodeID(text) }

        @Test func aKilledNodeIsMarkedDownThenReReplicatedWithNoFailedRead() async throws {
            try await Self.withCluster { cluster, _, control in
                let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-1"), cluster.endpoint(of: "node-3")]) { $0.timeout = .seconds(2) })
                let load = ReadLoad(client: client)
                load.start()
                await load.waitForReads(50)

                cluster.kill9("node-2")
                let markedDown = try await Self.waitForMap(control, within: .seconds(15), "node-2 marked down") {
                    $0.node(Self.id("node-2"))?.state == .down
                }
                #expect(markedDown < .seconds(8), "marked down \(markedDown) after the kill (failure timeout 2 s)")
                try await Self.waitForMap(control, within: .seconds(60), "the partitions of node-2 re-replicated") {
                    $0.partitions(on: Self.id("node-2")).isEmpty && $0.moves.isEmpty
                }
                await load.waitForReads(50)
                let report = await load.stop()
                #expect(report.failures.isEmpty, "\(report)")
                #expect(report.wrongValues.isEmpty, "\(report)")

                // Every partition has its two replicas on the live nodes, loaded, and the nodes
                // follow the map's epoch.
                let (map, _) = try #require(try await control.loadMap())
                #expect(map.underReplicatedPartitions(live: [Self.id("node-1"), Self.id("node-3")]).isEmpty)
                for node in ["node-1", "node-3"] {
                    // Nodes follow etcd every 250 ms.
                    var state = try await cluster.state(of: node)
                    for _ in 0..<50 where state.epoch < map.epoch {
                        try await Task.sleep(for: .milliseconds(100))
                        state = try await cluster.state(of: node)
                    }
                    #expect(state.epoch == map.epoch)
                    #expect(Set(state.loadedPartitions).isSuperset(of: map.partitionsHeld(by: Self.id(node))), "\(node)")
                }
                // Every replica of every partition holds the same rows (digests of every view).
                let verify = try await cluster.fsctl(["verify", "--etcd", control.client.endpoints[0]])
                #expect(verify.contains("0 differ; 0 partitions unverifiable"), "\(verify)")
                let status = try await cluster.fsctl(["status", "--etcd", control.client.endpoints[0]])
                #expect(status.contains("Controller:"), "\(status)")
                #expect(status.contains("node-2 silent since"), "\(status)")
                await client.close()
            }
        }

        @Test func aNodeBackFromAFailureRejoinsAndTheNodesAreBalancedAgain() async throws {
            try await Self.withCluster { cluster, _, control in
                cluster.kill9("node-3")
                try await Self.waitForMap(control, within: .seconds(60), "node-3 down and re-replicated") {
                    $0.node(Self.id("node-3"))?.state == .down && $0.partitions(on: Self.id("node-3")).isEmpty && $0.moves.isEmpty
                }
                try await cluster.start("node-3")
                try await Self.waitForMap(control, within: .seconds(60), "node-3 up and holding partitions again") {
                    $0.node(Self.id("node-3"))?.state == .up && !$0.partitions(on: Self.id("node-3")).isEmpty && $0.moves.isEmpty
                }
                let (map, _) = try #require(try await control.loadMap())
                let counts = map.assignment.replicaCounts().values
                #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 1, "\(map.statusSummary())")
                let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-3")]) { $0.timeout = .seconds(5) })
                let ids = Array(LocalCluster.users.prefix(200))
                let features = try await client.getOnlineFeatures(features: [ReadLoad.feature], entities: ids.map { ["user_id": .int64(Int64($0))] })
                #expect(features.rows.map { $0.int64(ReadLoad.feature) } == ids.map { Int64($0) })
                await client.close()
            }
        }

        @Test func anotherControllerFinishesARebalanceWhenTheFirstIsKilled() async throws {
            try await Self.withCluster(controllerInNodes: false) { cluster, etcd, control in
                try cluster.launch("controller-a", fsctl: ["controller", "--etcd", etcd.endpoint, "--id", "controller-a", "--drain-grace-seconds", "2"])
                try await Self.waitForController(control, "controller-a")
                try cluster.launch("controller-b", fsctl: ["controller", "--etcd", etcd.endpoint, "--id", "controller-b", "--drain-grace-seconds", "2"])

                // A rebalance begun in etcd, and left to the controller to finish.
                let newcomer = try await cluster.start("node-4")
                let state = try await cluster.state(of: "node-4")
                let (map, revision) = try #require(try await control.loadMap())
                var next = map
                try next.begin(try map.planAddNode(ClusterNode(id: Self.id(state.nodeID), address: NodeAddress(parsing: newcomer))))
                #expect(try await control.swapMap(next, expectedRevision: revision) != nil)
                try await Self.waitForMap(control, within: .seconds(30), "the rebalance past its first step") {
                    $0.epoch > next.epoch
                }
                cluster.kill9("controller-a")
                try await Self.waitForController(control, "controller-b")
                try await Self.waitForMap(control, within: .seconds(60), "the rebalance finished by controller-b") {
                    $0.moves.isEmpty && !$0.partitions(on: Self.id("node-4")).isEmpty && $0.node(Self.id("node-4"))?.state == .up
                }
                let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-4")]) { $0.timeout = .seconds(5) })
                let ids = Array(LocalCluster.users.prefix(200))
                let features = try await client.getOnlineFeatures(features: [ReadLoad.feature], entities: ids.map { ["user_id": .int64(Int64($0))] })
                #expect(features.rows.map { $0.int64(ReadLoad.feature) } == ids.map { Int64($0) })
                await client.close()
            }
        }

        @Test func theClusterServesThroughAnEtcdRestartAndControlResumes() async throws {
            try await Self.withCluster { cluster, etcd, control in
                let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-1")]) { $0.timeout = .seconds(2) })
                let load = ReadLoad(client: client)
                load.start()
                await load.waitForReads(50)
                etcd.kill9()
                try await Task.sleep(for: .seconds(3))
                await load.waitForReads(50)
                try await etcd.restart()
                // Control resumes: a node killed now is detected.
                cluster.kill9("node-1")
                try await Self.waitForMap(control, within: .seconds(30), "node-1 marked down after etcd's restart") {
                    $0.node(Self.id("node-1"))?.state == .down
                }
                await load.waitForReads(50)
                let report = await load.stop()
                #expect(report.failures.isEmpty, "\(report)")
                await client.close()
            }
        }

        static func waitForController(_ control: ControlStore, _ id: String) async throws {
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .seconds(20) {
                if (try? await control.controller()) == id { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("\(id) was not elected within 20 s")
            throw SkewlessError(.deadlineExceeded, "\(id) was not elected")
        }
    }
}
