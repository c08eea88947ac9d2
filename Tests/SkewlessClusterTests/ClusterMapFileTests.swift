import Foundation
import SkewlessModel
import Testing
@testable import SkewlessCluster

@Suite struct ClusterMapFileTests {
    /// A fresh directory, removed after `body`.
    static func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-cluster-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    /// A map in the middle of a rebalance, so that every field is exercised.
    static func mapInMotion() throws -> ClusterMap {
        var map = try ClusterMapTests.threeNodeMap(replicas: 2, partitions: 32)
        try map.markNode(NodeID("node-2"), .down)
        try map.begin(try map.planAddNode(ClusterMapTests.node(4)))
        try map.markLoaded(Array(map.moves.prefix(4).map(\.partition)))
        try map.flip(Array(map.moves.prefix(2).map(\.partition)), nowMicros: 1_700_000_000_000_000)
        return map
    }

    @Test func roundTripGivesTheSameMap() throws {
        try Self.withTemporaryDirectory { directory in
            let path = directory + "/cluster-map.json"
            let map = try Self.mapInMotion()
            try ClusterMapFile.save(map, to: path)
            #expect(try ClusterMapFile.load(from: path) == map)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["cluster-map.json"])
            // Saving again replaces the file; the same map is the same bytes.
            var next = map
            try next.markNode(NodeID("node-2"), .up)
            try ClusterMapFile.save(next, to: path)
            #expect(try ClusterMapFile.load(from: path) == next)
            #expect(try ClusterMapFile.encode(next) == ClusterMapFile.encode(next))
        }
    }

    @Test func documentedExampleDecodes() throws {
        // The example of docs/cluster.md, section 8.
        let json = """
            {
              "epoch" : 5,
              "format_version" : 1,
              "moves" : [
                { "drain_deadline_micros" : 0, "from" : "node-1", "partition" : 2, "phase" : "catching_up", "slot" : 0, "to" : "node-4" },
                { "drain_deadline_micros" : 1700000030000000, "from" : "node-3", "partition" : 3, "phase" : "draining", "slot" : 1, "to" : "node-4" }
              ],
              "nodes" : [
                { "address" : "10.0.0.1:7421", "id" : "node-1", "state" : "up" },
                { "address" : "10.0.0.2:7421", "id" : "node-2", "state" : "down" },
                { "address" : "10.0.0.3:7421", "id" : "node-3", "state" : "up" },
                { "address" : "[fd00::4]:7421", "id" : "node-4", "state" : "joining" }
              ],
              "partition_count" : 4,
              "replicas" : [
                [ "node-1", "node-2" ],
                [ "node-2", "node-3" ],
                [ "node-1", "node-3" ],
                [ "node-2", "node-4" ]
              ],
              "replication_factor" : 2
            }
            """
        let map = try ClusterMapFile.decode(Data(json.utf8), source: "example")
        #expect(map.epoch == 5)
        #expect(map.node(try NodeID("node-4"))?.address == (try NodeAddress(host: "fd00::4", port: 7421)))
        #expect(map.role(of: try NodeID("node-4"), for: 2) == .incoming(.catchingUp))
        #expect(map.role(of: try NodeID("node-3"), for: 3) == .draining(deadlineMicros: 1_700_000_030_000_000))
        #expect(map.writeTargets(of: 2).map(\.rawValue) == ["node-1", "node-3", "node-4"])
        #expect(map.underReplicatedPartitions(live: map.nodesNotDown) == [0, 1, 3])
    }

    @Test func missingFileIsNotFound() throws {
        try Self.withTemporaryDirectory { directory in
            let error = #expect(throws: SkewlessError.self) { try ClusterMapFile.load(from: directory + "/none.json") }
            #expect(error?.code == .notFound)
        }
    }

    @Test(arguments: [
        ("truncated", "{\"epoch\": 1, \"format_", "not a valid cluster map"),
        ("not JSON", "\u{0}\u{1}garbage", "not a valid cluster map"),
        ("missing field", "{\"format_version\": 1, \"epoch\": 1}", "missing"),
        ("bad node id", #"{"format_version":1,"epoch":1,"partition_count":1,"replication_factor":1,"nodes":[{"id":"bad id","address":"h:1","state":"up"}],"replicas":[["bad id"]],"moves":[]}"#, "node id 'bad id'"),
        ("bad address", #"{"format_version":1,"epoch":1,"partition_count":1,"replication_factor":1,"nodes":[{"id":"n","address":"nowhere","state":"up"}],"replicas":[["n"]],"moves":[]}"#, "not a node address"),
        ("unknown state", #"{"format_version":1,"epoch":1,"partition_count":1,"replication_factor":1,"nodes":[{"id":"n","address":"h:1","state":"sleepy"}],"replicas":[["n"]],"moves":[]}"#, "not a valid cluster map"),
        ("replica on unknown node", #"{"format_version":1,"epoch":1,"partition_count":1,"replication_factor":1,"nodes":[{"id":"n","address":"h:1","state":"up"}],"replicas":[["m"]],"moves":[]}"#, "does not list"),
        ("wrong partition count", #"{"format_version":1,"epoch":1,"partition_count":2,"replication_factor":1,"nodes":[{"id":"n","address":"h:1","state":"up"}],"replicas":[["n"]],"moves":[]}"#, "1 partitions listed, 2 declared"),
        ("two replicas on one node", #"{"format_version":1,"epoch":1,"partition_count":1,"replication_factor":2,"nodes":[{"id":"n","address":"h:1","state":"up"},{"id":"m","address":"h:2","state":"up"}],"replicas":[["n","n"]],"moves":[]}"#, "not 2 distinct nodes"),
        ("move of a slot not held", #"{"format_version":1,"epoch":1,"partition_count":1,"replication_factor":1,"nodes":[{"id":"n","address":"h:1","state":"up"},{"id":"m","address":"h:2","state":"up"}],"replicas":[["n"]],"moves":[{"partition":0,"slot":0,"from":"m","to":"n","phase":"loading","drain_deadline_micros":0}]}"#, "expects m"),
    ])
    func damagedFileIsDataLoss(name: String, json: String, message: String) throws {
        try Self.withTemporaryDirectory { directory in
            let path = directory + "/cluster-map.json"
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SkewlessError.self, "\(name)") { try ClusterMapFile.load(from: path) }
            #expect(error?.code == .dataLoss, "\(name): \(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(name): \(String(describing: error))")
            #expect(error?.message.contains(path) == true, "\(name): \(String(describing: error))")
        }
    }

    @Test func newerFormatAsksForAnUpgrade() throws {
        let json = #"{"format_version":2,"epoch":1,"something_new":true}"#
        let error = #expect(throws: SkewlessError.self) { try ClusterMapFile.decode(Data(json.utf8), source: "map.json") }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message.contains("format 2") == true)
        #expect(error?.message.contains("upgrade") == true)
    }

    @Test func saveIntoAMissingDirectoryFailsCleanly() throws {
        try Self.withTemporaryDirectory { directory in
            #expect(throws: SkewlessError.self) {
                try ClusterMapFile.save(try Self.mapInMotion(), to: directory + "/absent/cluster-map.json")
            }
        }
    }
}
