import Foundation
import Skewless
import SkewlessCluster
import SkewlessModel
import Testing

extension ProcessSuites {
    /// The cluster with real `fsnode` processes on 127.0.0.1, driven through the SDK and `fsctl`
    /// (issue 5): routing and wrong-shard retry, rebalance under load, kill -9 failover, restart
    /// and re-replication. Every test kills the processes it started, also when it fails.
    @Suite(.serialized, .timeLimit(.minutes(2)))
    struct ClusterProcessTests {
        static let feature = ReadLoad.feature

        static func entities(_ ids: some Sequence<Int>) -> [[String: KeyPart]] {
            ids.map { ["user_id": .int64(Int64($0))] }
        }

        @Test func readsReachTheOwnersAndAStaleMapIsRefreshedInvisibly() async throws {
            let cluster = try await LocalCluster()
            defer { cluster.shutdown() }
            let addresses = try await cluster.startCluster()
            let reference = try await cluster.start("standalone", standalone: true)
            try await cluster.fsctl(["materialize", "--node", reference])

            // Deadlines are generous: debug-built nodes share the cores with the rest of the suite.
            let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-2")]) { $0.timeout = .seconds(10) })
            let ids = Array(LocalCluster.users.prefix(300))
            let features = try await client.getOnlineFeatures(features: [Self.feature], entities: Self.entities(ids))
            #expect(features.rows.map { $0.int64(Self.feature) } == ids.map { Int64($0) })
            let epoch = try #require(client.routingEpoch)

            // A service whose views route by different keys (user, merchant, user and merchant)
            // answers exactly as one node holding everything.
            let pairs: [[String: KeyPart]] = (1...12).map { ["user_id": .int64(Int64($0)), "merchant_id": .string("m-\(($0 % 10) + 1)")] }
            let single = FeatureClient(configuration: .defaults(endpoint: try #require(Endpoint(reference))) { $0.timeout = .seconds(10) })
            let expected = try await single.getOnlineFeatures(service: "fraud_detection_v1", entities: pairs)
            let routed = try await client.getOnlineFeatures(service: "fraud_detection_v1", entities: pairs)
            #expect(routed.featureNames == expected.featureNames)
            for (got, want) in zip(routed.rows, expected.rows) {
                for name in expected.featureNames {
                    #expect(got.value(name) == want.value(name), "\(name) of row \(got.row)")
                    #expect(got.status(name) == want.status(name), "\(name) of row \(got.row)")
                }
            }

            // node-3 leaves; the client's map still sends a third of the keys there. It is told
            // wrong-shard, reads the new map and re-routes: the caller sees only right answers.
            try await cluster.fsctl(["rebalance", "--node", addresses[0], "--remove", "node-3", "--grace-seconds", "0"])
            let after = try await client.getOnlineFeatures(features: [Self.feature], entities: Self.entities(ids))
            #expect(after.rows.map { $0.int64(Self.feature) } == ids.map { Int64($0) })
            #expect((client.routingEpoch ?? 0) > epoch)

            // A client given one node's address switches to routing by itself.
            let plain = FeatureClient(configuration: .defaults(endpoint: cluster.endpoint(of: "node-1")) { $0.timeout = .seconds(10) })
            let discovered = try await plain.getOnlineFeatures(features: [Self.feature], entities: Self.entities(ids))
            #expect(discovered.rows.map { $0.int64(Self.feature) } == ids.map { Int64($0) })
            #expect(plain.routingEpoch != nil)
            for each in [client, single, plain] { await each.close() }
        }

        @Test func aRebalanceUnderLoadFailsNoReadAndNeverGoesBackInTime() async throws {
            let cluster = try await LocalCluster()
            defer { cluster.shutdown() }
            let addresses = try await cluster.startCluster()
            let newcomer = try await cluster.start("node-4")

            let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-2")]) { $0.timeout = .seconds(2) })
            let load = ReadLoad(client: client)
            load.start()
            await load.waitForReads(50)
            try await cluster.fsctl(["rebalance", "--node", addresses[1], "--remove", "node-1", "--grace-seconds", "1"])
            await load.waitForReads(50)

            // Rows written through the SDK before the next move and never ingested into the
            // segments: only the old owners have them, and the new owner must copy them while it
            // catches up, or it would serve the older segment values after the flip. The same
            // client keeps writing during the move with the map it had before it: its writes are
            // refused where they would miss the new owner, and it refreshes its map.
            let direct = Array(LocalCluster.users.dropFirst(50))
            let directWriter = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-3")]) { $0.timeout = .seconds(5) })
            let stale = StaleWriter(client: directWriter, users: direct)
            try await stale.write(version: 0)
            await load.waitForReads(50)
            stale.start()

            // Writes during the next move reach old and new owners (a writer that knows the
            // moving map), so the flip loses none of them.
            let writing = Task {
                // Until node-4 has a map: the second rebalance has begun (its number of epochs
                // depends on how the nodes report their partitions, so not by epoch).
                while (try? await cluster.state(of: "node-4").epoch) ?? 0 == 0 {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                let writer = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-4")]) { $0.timeout = .seconds(2) })
                var failures: [String] = []
                for version in 1...20 {
                    let rows = LocalCluster.users.prefix(50).map { id in
                        FeatureWrite(entity: ["user_id": .int64(Int64(id))], eventTime: Int64(Date().timeIntervalSince1970 * 1e6),
                                     values: ["txn_count_24h": .int64(Int64(id) + 1_000_000 * Int64(version))])
                    }
                    do {
                        _ = try await writer.write(view: "user_transactions", rows: rows)
                    } catch {
                        failures.append("\(error)")
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                }
                await writer.close()
                return failures
            }
            try await cluster.fsctl(["rebalance", "--node", addresses[1], "--add", newcomer, "--grace-seconds", "1"])
            let writeFailures = try await writing.value
            let (lastVersion, staleFailures) = await stale.stop()
            await directWriter.close()
            #expect(staleFailures.isEmpty, "\(staleFailures)")
            #expect(lastVersion > 0)
            await load.waitForReads(50)
            let report = await load.stop()
            #expect(report.failures.isEmpty, "\(report)")
            #expect(report.wrongValues.isEmpty, "\(report)")
            #expect(writeFailures.isEmpty, "\(writeFailures)")
            // The last write is what every owner serves now.
            let final = try await client.getOnlineFeatures(features: [Self.feature], entities: Self.entities(LocalCluster.users.prefix(50)))
            #expect(final.rows.map { $0.int64(Self.feature) } == LocalCluster.users.prefix(50).map { Int64($0) + 20_000_000 })
            // The rows written directly before and during the move, read back with their newest
            // values, among them those node-4 alone serves now (R = 1, the old owners dropped them).
            let map = try ClusterMapFile.decode(try await cluster.state(of: "node-4").mapJSON, source: "node-4's map")
            let node4 = Set(map.partitions(on: try NodeID("node-4")))
            let onNode4 = direct.filter { node4.contains(map.partitioner.partition(ofInt64: Int64($0))) }
            #expect(onNode4.count > 50, "node-4 took \(node4.count) partitions")
            let copied = try await client.getOnlineFeatures(features: [Self.feature], entities: Self.entities(direct))
            #expect(copied.rows.map { $0.int64(Self.feature) } == direct.map { StaleWriter.value(of: $0, version: lastVersion) })
            await client.close()
        }

        /// What `fsctl rebalance --add` leaves when it stops after its first step (a time-out, the
        /// command killed): the moves adding node `id` begun, installed on every node (the
        /// incoming one first). Returns that map.
        static func beginAdding(_ id: String, at address: String, to cluster: LocalCluster) async throws -> ClusterMap {
            var map = try ClusterMapFile.decode(try await cluster.state(of: "node-1").mapJSON, source: "node-1's map")
            try map.begin(try map.planAddNode(ClusterNode(id: try NodeID(id), address: try NodeAddress(parsing: address))))
            let json = try ClusterMapFile.encode(map)
            for node in [id] + map.nodes.map(\.id.rawValue).filter({ $0 != id }) {
                let admin = FeatureClient(configuration: .defaults(endpoint: cluster.endpoint(of: node)) { $0.maxAttempts = 1 })
                #expect(try await admin.installClusterMap(json) == map.epoch)
                await admin.close()
            }
            return map
        }

        @Test func aRebalanceThatStoppedIsResumed() async throws {
            let cluster = try await LocalCluster()
            defer { cluster.shutdown() }
            let addresses = try await cluster.startCluster()
            #expect(try await cluster.fsctl(["rebalance", "--node", addresses[0], "--resume"]).contains("no rebalance in progress"))
            let newcomer = try await cluster.start("node-4")

            _ = try await Self.beginAdding("node-4", at: newcomer, to: cluster)
            await #expect(throws: (any Error).self, "a new rebalance waits for the one in progress") {
                try await cluster.fsctl(["rebalance", "--node", addresses[0], "--remove", "node-2"])
            }

            let output = try await cluster.fsctl(["rebalance", "--node", addresses[1], "--resume", "--grace-seconds", "0"])
            #expect(output.contains("resuming a rebalance") && output.contains("rebalance done"), "\(output)")
            let final = try ClusterMapFile.decode(try await cluster.state(of: "node-4").mapJSON, source: "node-4's map")
            #expect(final.moves.isEmpty)
            #expect(!final.partitions(on: try NodeID("node-4")).isEmpty)
            let ids = Array(LocalCluster.users)
            let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-1")]) { $0.timeout = .seconds(10) })
            let rows = try await client.getOnlineFeatures(features: [Self.feature], entities: Self.entities(ids))
            #expect(rows.rows.map { $0.int64(Self.feature) } == ids.map { Int64($0) })
            await client.close()
        }

        @Test func aRebalanceThatStoppedBeforeItsFlipIsAborted() async throws {
            let cluster = try await LocalCluster()
            defer { cluster.shutdown() }
            let addresses = try await cluster.startCluster()
            let newcomer = try await cluster.start("node-4")
            let map = try await Self.beginAdding("node-4", at: newcomer, to: cluster)
            try await cluster.waitUntilLoaded("node-4")
            let loadedBefore = try await cluster.state(of: "node-4").loadedPartitions
            #expect(!loadedBefore.isEmpty, "node-4 loaded its incoming partitions")

            let output = try await cluster.fsctl(["rebalance", "--node", addresses[0], "--abort"])
            #expect(output.contains("rebalance aborted"), "\(output)")
            let after = try ClusterMapFile.decode(try await cluster.state(of: "node-1").mapJSON, source: "node-1's map")
            let node4 = try NodeID("node-4")
            #expect(after.moves.isEmpty && after.node(node4) == nil && after.epoch == map.epoch + 1)
            #expect(after.assignment == map.assignment, "the old owners keep every partition")
            // node-4 saw the map and dropped what it had loaded.
            var dropped = false
            for _ in 0..<100 where !dropped {
                dropped = try await cluster.state(of: "node-4").loadedPartitions.isEmpty
                if !dropped { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(dropped)
            let ids = Array(LocalCluster.users)
            let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-1")]) { $0.timeout = .seconds(10) })
            let rows = try await client.getOnlineFeatures(features: [Self.feature], entities: Self.entities(ids))
            #expect(rows.rows.map { $0.int64(Self.feature) } == ids.map { Int64($0) })
            await client.close()
            // Nothing is left in motion: the same node can be added again.
            try await cluster.fsctl(["rebalance", "--node", addresses[0], "--add", newcomer, "--grace-seconds", "0"])
            let final = try ClusterMapFile.decode(try await cluster.state(of: "node-4").mapJSON, source: "node-4's map")
            #expect(final.moves.isEmpty && !final.partitions(on: node4).isEmpty)
        }

        @Test func killingANodeFailsNoReadAndARestartedNodeReloadsItsPartitions() async throws {
            let cluster = try await LocalCluster()
            defer { cluster.shutdown() }
            let addresses = try await cluster.startCluster(replication: 2)

            let client = FeatureClient(configuration: try .cluster(seeds: [cluster.endpoint(of: "node-1")]) { $0.timeout = .seconds(10) })
            let load = ReadLoad(client: client)
            load.start()
            await load.waitForReads(50)
            cluster.kill9("node-2")
            await load.waitForReads(200)

            // node-2 comes back with its map file and loads its partitions from the segments.
            try await cluster.start("node-2")
            try await cluster.waitUntilLoaded("node-2")
            let status = try await cluster.fsctl(["status", "--node", addresses[0]])
            #expect(status.contains("Under-replicated partitions: none"), "\(status)")
            // Now node-1 dies: partitions it shared with node-2 are served by node-2 alone.
            cluster.kill9("node-1")
            await load.waitForReads(200)
            let report = await load.stop()
            #expect(report.failures.isEmpty, "\(report)")
            #expect(report.wrongValues.isEmpty, "\(report)")
            let everyone = try await client.getOnlineFeatures(features: [Self.feature], entities: Self.entities(LocalCluster.users))
            #expect(everyone.rows.map { $0.int64(Self.feature) } == LocalCluster.users.map { Int64($0) })
            await client.close()
        }
    }
}
