import Foundation
import NIOCore
import SkewlessModel
import Testing
@testable import Skewless
@testable import SkewlessWire

/// The routing decisions of the cluster client, without nodes: which replica a key goes to,
/// how a request splits by view key, and how the answers merge back in request order.
@Suite struct ClusterRoutingTests {
    /// A map JSON (docs/cluster.md, section 8).
    static func mapJSON(
        nodes: [(String, String)], down: Set<String> = [], replicas: [[String]], replication: Int, moves: String = "[]", epoch: UInt64 = 3
    ) -> Data {
        let nodeList = nodes.map { #"{"address": "\#($0.1)", "id": "\#($0.0)", "state": "\#(down.contains($0.0) ? "down" : "up")"}"# }
        let replicaList = replicas.map { "[" + $0.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
        return Data(#"""
            {"epoch": \#(epoch), "format_version": 1, "moves": \#(moves), "nodes": [\#(nodeList.joined(separator: ","))],
             "partition_count": \#(replicas.count), "replicas": [\#(replicaList.joined(separator: ","))], "replication_factor": \#(replication)}
            """#.utf8)
    }

    static let threeNodes = [("node-1", "127.0.0.1:7001"), ("node-2", "127.0.0.1:7002"), ("node-3", "127.0.0.1:7003")]

    @Test func readsRotateOverReplicasAndFailOverInOrder() throws {
        let topology = try ClusterTopology(
            mapJSON: Self.mapJSON(nodes: Self.threeNodes, replicas: [["node-1", "node-2"], ["node-2", "node-3"]], replication: 2),
            source: "test")
        let none: (Int) -> Bool = { _ in false }
        // (rotation + partition) mod R picks the first replica to try.
        #expect(topology.readNode(partition: 0, rotation: 0, excluded: none, suspect: none) == 0)
        #expect(topology.readNode(partition: 0, rotation: 1, excluded: none, suspect: none) == 1)
        #expect(topology.readNode(partition: 1, rotation: 0, excluded: none, suspect: none) == 2)
        // A node already tried is skipped; a suspect one is tried only when nothing else is left.
        #expect(topology.readNode(partition: 0, rotation: 0, excluded: { $0 == 0 }, suspect: none) == 1)
        #expect(topology.readNode(partition: 0, rotation: 0, excluded: none, suspect: { $0 == 0 }) == 1)
        #expect(topology.readNode(partition: 0, rotation: 0, excluded: { $0 == 1 }, suspect: { $0 == 0 }) == 0)
        #expect(topology.readNode(partition: 0, rotation: 0, excluded: { $0 < 2 }, suspect: none) == nil)
        #expect(topology.remainingCandidates(partition: 0, excluded: none) == 2)
        #expect(topology.endpoints[2] == Endpoint(host: "127.0.0.1", port: 7003))
    }

    @Test func nodesMarkedDownAreTriedLastAndDrainingOwnersAreTheLastResort() throws {
        let nodes = Self.threeNodes + [("node-4", "127.0.0.1:7004")]
        // node-3 is down; partition 1 flipped from node-1 to node-4 and node-1 still drains it.
        let moves = #"[{"drain_deadline_micros": 99, "from": "node-1", "partition": 1, "phase": "draining", "slot": 0, "to": "node-4"}]"#
        let topology = try ClusterTopology(
            mapJSON: Self.mapJSON(nodes: nodes, down: ["node-3"], replicas: [["node-3"], ["node-4"]], replication: 1, moves: moves),
            source: "test")
        let none: (Int) -> Bool = { _ in false }
        #expect(topology.readNode(partition: 0, rotation: 0, excluded: none, suspect: none) == 2)  // down, but the only one
        #expect(topology.readNode(partition: 1, rotation: 0, excluded: none, suspect: none) == 3)
        #expect(topology.readNode(partition: 1, rotation: 0, excluded: { $0 == 3 }, suspect: none) == 0)  // node-1 drains it
        // Writes reach the new owner and the draining one.
        #expect(topology.writeTargets[1] == [3, 0])
    }

    @Test func aServiceSplitsByTheKeyOfEachView() throws {
        let repo = try Self.repo()
        let plan = try RoutingPlan.service("fraud", repo: repo)
        #expect(plan.groups.map { $0.joinKeys.map(\.name) } == [["user_id"], ["merchant_id"], ["user_id", "merchant_id"]])
        #expect(plan.groups[0].features == ["user@1:amount", "user@1:count"])
        // The answer's columns follow the service's order, wherever their group is.
        #expect(plan.columns.map { [$0.group, $0.column] } == [[0, 0], [1, 0], [0, 1], [2, 0]])
        let list = try RoutingPlan.features(["pair:seen", "user:count"], repo: repo)
        #expect(list.groups.map(\.features) == [["pair@1:seen"], ["user@1:count"]])
        #expect(throws: SkewlessError.self) { try RoutingPlan.features(["nope:x"], repo: repo) }
        // Sub-requests name a service only when one group is the whole service.
        #expect(plan.groups.allSatisfy { $0.service == nil })
        #expect(list.groups.allSatisfy { $0.service == nil })
        let spend = try RoutingPlan.service("spend", repo: repo)
        #expect(spend.groups.map(\.service) == ["spend"])
        #expect(spend.groups[0].features == ["user@1:count", "user@1:amount"])
    }

    @Test func keysRouteByTheirCanonicalHashAndBadKeysAreRefused() throws {
        // docs/cluster.md, worked examples, P = 256.
        let topology = try ClusterTopology(
            mapJSON: Self.mapJSON(nodes: [("node-1", "127.0.0.1:7001")], replicas: Array(repeating: ["node-1"], count: 256), replication: 1),
            source: "test")
        let user = RoutingPlan.Group(joinKeys: [JoinKey(name: "user_id", type: .int64)], features: [])
        #expect(try user.partitions(of: [["user_id": 1001], ["user_id": 0], ["user_id": -1]], partitioner: topology.partitioner) == [66, 118, 182])
        let pair = RoutingPlan.Group(joinKeys: [JoinKey(name: "user_id", type: .int64), JoinKey(name: "merchant_id", type: .string)], features: [])
        #expect(try pair.partitions(of: [["merchant_id": "m-7", "user_id": 1001]], partitioner: topology.partitioner) == [100])
        let merchant = RoutingPlan.Group(joinKeys: [JoinKey(name: "merchant_id", type: .string)], features: [])
        #expect(try merchant.partitions(of: [["merchant_id": "u-42"]], partitioner: topology.partitioner) == [170])
        let missing = #expect(throws: SkewlessError.self) { try pair.partitions(of: [["user_id": 1]], partitioner: topology.partitioner) }
        #expect(missing?.code == .invalidArgument)
        let mistyped = #expect(throws: SkewlessError.self) { try user.partitions(of: [["user_id": "1"]], partitioner: topology.partitioner) }
        #expect(mistyped?.code == .invalidArgument)

        let columns = ClusterReadExecutor.keyColumns(pair.joinKeys, entities: [["user_id": 1, "merchant_id": "a"], ["user_id": 2, "merchant_id": "b"]], rows: [1])
        #expect(columns.map(\.joinKey) == ["user_id", "merchant_id"])
        #expect(columns[0].int64Values == [2])
        #expect(columns[1].stringValues == ["b"])
    }

    @Test func piecesMergeBackInRequestOrder() throws {
        let endpoint = Endpoint(host: "127.0.0.1", port: 1)
        func answer(_ values: [Double], _ statuses: [ValueStatus], name: String = "v@1:x", rows: Int? = nil) throws -> ReceivedFeatures {
            let column = ServedColumn(name: name, type: .double, statuses: statuses, eventTimes: values.map { Int64($0) }, values: .double(values))
            var buffer = ByteBuffer()
            OnlineFeaturesCodec.writeFrame(requestID: 1, columns: [column], into: &buffer)
            var decoder = FrameDecoder()
            let payload = try ResponseEnvelope(decoding: try #require(try decoder.decode(buffer: &buffer))).payload
            return try payload.withUnsafeReadableBytes { try ReceivedFeatures(decoding: $0, rowCount: rows ?? values.count) }
        }
        let pieces = [
            RoutedPiece(rows: [3, 0], answer: try answer([3, 0], [.present, .present]), endpoint: endpoint),
            RoutedPiece(rows: [1, 2], answer: try answer([1, 0], [.present, .notFound]), endpoint: endpoint),
        ]
        let merged = try ResponseMerger(pieces: pieces, rowCount: 4).answer(features: ["v@1:x"])
        let features = OnlineFeatures(answers: [merged], sources: nil, entityCount: 4, layout: ColumnLayout(names: ["v@1:x"]))
        #expect(features.rows.map { $0.double("x") } == [0, 1, nil, 3])
        #expect(features.rows.map { $0.status(at: 0) } == [.present, .present, .notFound, .present])
        #expect(features.rows.map { $0.eventTime("v:x") } == [nil, 1, nil, 3])

        let short = [RoutedPiece(rows: [0], answer: try answer([1, 2], [.present, .present]), endpoint: endpoint)]
        #expect(throws: SkewlessError.self) { try ResponseMerger(pieces: short, rowCount: 1).answer(features: ["v@1:x"]) }
        #expect(throws: SkewlessError.self) { try ResponseMerger(pieces: pieces, rowCount: 5) }
        let renamed = [pieces[0], RoutedPiece(rows: [1, 2], answer: try answer([1, 0], [.present, .present], name: "w@1:x"), endpoint: endpoint)]
        #expect(throws: SkewlessError.self) { try ResponseMerger(pieces: renamed, rowCount: 4).answer(features: ["v@1:x"]) }
    }

    @Test func columnsOfSeveralGroupsComeBackInRequestOrder() throws {
        func answer(_ name: String, _ value: Double) throws -> MergedAnswer {
            let column = ServedColumn(name: name, type: .double, statuses: [.present], eventTimes: [1], values: .double([value]))
            var buffer = ByteBuffer()
            OnlineFeaturesCodec.writeFrame(requestID: 1, columns: [column], into: &buffer)
            var decoder = FrameDecoder()
            let payload = try ResponseEnvelope(decoding: try #require(try decoder.decode(buffer: &buffer))).payload
            return MergedAnswer(try payload.withUnsafeReadableBytes { try ReceivedFeatures(decoding: $0, rowCount: 1) })
        }
        let answers = [try answer("a@1:x", 1), try answer("b@1:y", 2)]
        let sources = [(answer: 1, column: 0), (answer: 0, column: 0)]
        let names = OnlineFeatures.names(of: answers, sources: sources)
        #expect(names == ["b@1:y", "a@1:x"])
        let features = OnlineFeatures(answers: answers, sources: sources, entityCount: 1, layout: ColumnLayout(names: names))
        #expect(features[0].double(at: 0) == 2 && features[0].double(at: 1) == 1 && features[0].double("x") == 1)
    }

    static func repo() throws -> FeatureRepo {
        try FeatureRepo(
            project: "p",
            entities: [
                Entity(name: "user", joinKeys: [JoinKey(name: "user_id", type: .int64)]),
                Entity(name: "merchant", joinKeys: [JoinKey(name: "merchant_id", type: .string)]),
            ],
            featureViews: [
                FeatureView(name: "user", entities: ["user"], fields: [Field(name: "amount", type: .double), Field(name: "count", type: .int64)], ttlSeconds: 60),
                FeatureView(name: "merchant", entities: ["merchant"], fields: [Field(name: "risk", type: .float)], ttlSeconds: 60),
                FeatureView(name: "pair", entities: ["user", "merchant"], fields: [Field(name: "seen", type: .int64)], ttlSeconds: 60),
            ],
            featureServices: [
                FeatureService(name: "fraud", features: [
                    FeatureReference(view: "user", field: "amount"), FeatureReference(view: "merchant", field: "risk"),
                    FeatureReference(view: "user", field: "count"), FeatureReference(view: "pair", field: "seen"),
                ]),
                FeatureService(name: "spend", features: [FeatureReference(view: "user", field: "count"), FeatureReference(view: "user", field: "amount")]),
            ])
    }
}
