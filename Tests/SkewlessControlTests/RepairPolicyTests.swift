import SkewlessCluster
import SkewlessControl
import SkewlessModel
import Testing

struct RepairPolicyTests {
    static func id(_ number: Int) -> NodeID { try! NodeID("node-\(number)") }

    static func map(replicas: Int = 2) throws -> ClusterMap {
        let nodes = try (1...3).map { try ClusterNode(id: id($0), address: NodeAddress(host: "127.0.0.1", port: 7420 + $0)) }
        return try ClusterMap.create(nodes: nodes, partitionCount: 32, replicationFactor: replicas)
    }

    let policy: RepairPolicy = {
        var policy = RepairPolicy()
        policy.reReplicationGraceMicros = 60_000_000
        return policy
    }()

    @Test func nothingChangesWhileEveryNodeAnswers() throws {
        let map = try Self.map()
        let verdicts = Dictionary(uniqueKeysWithValues: map.nodes.map { ($0.id, FailureDetector.Verdict.up) })
        #expect(try policy.next(map, verdicts: verdicts, downSince: [:], markedByController: [], nowMicros: 0) == nil)
    }

    @Test func aSilentNodeIsMarkedDownThenReReplicatedAfterTheGrace() throws {
        let map = try Self.map()
        let verdicts: [NodeID: FailureDetector.Verdict] = [Self.id(1): .up, Self.id(2): .down, Self.id(3): .up]
        let marked = try #require(try policy.next(map, verdicts: verdicts, downSince: [Self.id(2): 0], markedByController: [], nowMicros: 3_000_000))
        #expect(marked.map.node(Self.id(2))?.state == .down)
        #expect(marked.map.moves.isEmpty)
        #expect(marked.map.epoch == map.epoch + 1)
        // Within the grace: nothing more.
        #expect(try policy.next(marked.map, verdicts: verdicts, downSince: [Self.id(2): 0], markedByController: [Self.id(2)], nowMicros: 59_000_000) == nil)
        let moved = try #require(try policy.next(marked.map, verdicts: verdicts, downSince: [Self.id(2): 0], markedByController: [Self.id(2)], nowMicros: 60_000_000))
        #expect(!moved.map.moves.isEmpty)
        #expect(moved.map.moves.allSatisfy { $0.from == Self.id(2) })
        #expect(moved.actions.contains { $0.contains("re-replicate") })
    }

    @Test func onlyNodesAControllerMarkedDownAreMarkedUpByIt() throws {
        var map = try Self.map()
        try map.markNode(Self.id(3), .down)
        let verdicts: [NodeID: FailureDetector.Verdict] = [Self.id(1): .up, Self.id(2): .up, Self.id(3): .up]
        // An operator's mark-down stands.
        #expect(try policy.next(map, verdicts: verdicts, downSince: [:], markedByController: [], nowMicros: 0) == nil)
        let up = try #require(try policy.next(map, verdicts: verdicts, downSince: [:], markedByController: [Self.id(3)], nowMicros: 0))
        #expect(up.map.node(Self.id(3))?.state == .up)
    }

    @Test func aRebalanceToANodeThatWentDownIsAborted() throws {
        var map = try Self.map(replicas: 1)
        let newcomer = try ClusterNode(id: Self.id(4), address: NodeAddress(host: "127.0.0.1", port: 7424))
        try map.begin(try map.planAddNode(newcomer))
        var verdicts: [NodeID: FailureDetector.Verdict] = [Self.id(1): .up, Self.id(2): .up, Self.id(3): .up, Self.id(4): .undecided]
        #expect(try policy.next(map, verdicts: verdicts, downSince: [:], markedByController: [], nowMicros: 0) == nil)
        // The joining node falls silent: its moves are dropped, and it leaves the map.
        verdicts[Self.id(4)] = .down
        let decision = try #require(try policy.next(map, verdicts: verdicts, downSince: [:], markedByController: [], nowMicros: 0))
        #expect(decision.map.moves.isEmpty)
        #expect(decision.map.node(Self.id(4)) == nil)
    }
}
