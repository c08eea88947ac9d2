import Foundation
import Logging
import SkewlessCluster
import SkewlessModel
import SkewlessServer
import SkewlessWire
import Testing

/// GET_CLUSTER_MAP and SET_CLUSTER_MAP against a real node on 127.0.0.1: the epoch rules,
/// persistence, and a node restarted with its map file.
@Suite(.timeLimit(.minutes(1)))
struct ClusterMembershipTests {
    typealias Fixture = ClusterNodeFixture

    @Test func aStandaloneNodeAnswersAnEmptyMapAndRefusesOneWithoutAMapFile() async throws {
        try await Fixture.withNode("node-a", mapPath: nil) { node in
            let status = try await Fixture.getMap(node)
            #expect(status.epoch == 0)
            #expect(status.mapJson.isEmpty)
            #expect(status.nodeID == "node-a")
            #expect(status.loadedPartitions.isEmpty)
            let refused = try await Fixture.setMap(node, json: Fixture.json(Fixture.map(["node-a"])))
            #expect(refused.status.code == .failedPrecondition)
            #expect(refused.status.message.contains("--cluster-map"))
        }
    }

    @Test func setThenGetReturnsTheMapItsEpochAndTheLoadedPartitions() async throws {
        try await Fixture.withDirectory { directory in
            let path = directory + "/cluster-map.json"
            let map = try Fixture.map(["node-a", "node-b"], partitions: 16, replicas: 1)
            try await Fixture.withNode("node-a", mapPath: path) { node in
                try await Fixture.install(map, on: node)
                let mine = map.partitionsHeld(by: try NodeID("node-a"))
                // No segment store: a partition is loaded as soon as the node holds it.
                try await Fixture.waitUntilLoaded(node, mine, epoch: 1)
                let status = try await Fixture.getMap(node)
                #expect(status.nodeID == "node-a")
                #expect(status.epoch == 1)
                #expect(status.loadedPartitions == mine.map { UInt32($0) })
                #expect(try ClusterMapFile.decode(status.mapJson, source: "GET_CLUSTER_MAP") == map)
                // Persisted, byte for byte what GET returns.
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == status.mapJson)
            }
        }
    }

    @Test func onlyANewerEpochReplacesTheMap() async throws {
        try await Fixture.withDirectory { directory in
            let path = directory + "/cluster-map.json"
            let first = try Fixture.map(["node-a", "node-b"])
            let newer = try Fixture.map(first, epoch: 5)
            try await Fixture.withNode("node-a", mapPath: path) { node in
                try await Fixture.install(first, on: node)
                try await Fixture.install(newer, on: node)
                // The same map again is a retry: accepted, nothing changes.
                try await Fixture.install(newer, on: node)

                let older = try await Fixture.setMap(node, json: Fixture.json(Fixture.map(first, epoch: 4)))
                #expect(older.status.code == .failedPrecondition)
                #expect(older.status.message.contains("epoch 4"))
                #expect(older.status.message.contains("epoch 5"))

                let sameEpochOtherMap = try Fixture.map(Fixture.map(["node-a", "node-c"]), epoch: 5)
                let conflict = try await Fixture.setMap(node, json: Fixture.json(sameEpochOtherMap))
                #expect(conflict.status.code == .failedPrecondition)

                let otherPartitionCount = try Fixture.map(Fixture.map(["node-a", "node-b"], partitions: 32), epoch: 6)
                let recreated = try await Fixture.setMap(node, json: Fixture.json(otherPartitionCount))
                #expect(recreated.status.code == .failedPrecondition)
                #expect(recreated.status.message.contains("partition count"))

                let garbage = try await Fixture.setMap(node, json: Data("{\"epoch\": 9}".utf8))
                #expect(garbage.status.code == .invalidArgument)

                let status = try await Fixture.getMap(node)
                #expect(status.epoch == 5)
                #expect(try ClusterMapFile.load(from: path) == newer)
            }
        }
    }

    @Test func aRestartedNodeComesBackWithItsMap() async throws {
        try await Fixture.withDirectory { directory in
            let path = directory + "/cluster-map.json"
            let map = try Fixture.map(Fixture.map(["node-a", "node-b"], partitions: 16), epoch: 3)
            let mine = map.partitionsHeld(by: try NodeID("node-b"))
            try await Fixture.withNode("node-b", mapPath: path) { node in
                try await Fixture.install(map, on: node)
            }
            try await Fixture.withNode("node-b", mapPath: path) { node in
                try await Fixture.waitUntilLoaded(node, mine, epoch: 3)
                let status = try await Fixture.getMap(node)
                #expect(try ClusterMapFile.decode(status.mapJson, source: "GET_CLUSTER_MAP") == map)
                // It serves its own partitions and refuses the others.
                let others = Set(0..<16).subtracting(mine)
                let theirs = try await Fixture.read(node, users: Fixture.users(in: others, of: map, count: 1))
                #expect(theirs.status.code == .aborted)
                #expect(try await Fixture.counts(node, users: Fixture.users(in: mine, of: map, count: 3)) == [nil, nil, nil])
            }
        }
    }

    @Test func aCorruptMapFileStopsTheNodeFromStarting() async throws {
        try await Fixture.withDirectory { directory in
            let path = directory + "/cluster-map.json"
            try Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
            var configuration = NodeConfiguration.defaults
            configuration.port = 0
            configuration.clusterMapPath = path
            var logger = Logger(label: "skewless.test-node")
            logger.logLevel = .critical
            let server = NodeServer(configuration: configuration, repo: try TestNode.sampleRepo(), logger: logger)
            do {
                try await server.run()
                Issue.record("the node started with a corrupt cluster map")
            } catch let error as SkewlessError {
                #expect(error.code == .dataLoss)
                #expect(error.message.contains(path))
            }
        }
    }
}
