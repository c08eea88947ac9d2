import SkewlessModel
import Testing
@testable import SkewlessCluster

/// Re-replication, balance and taking moves forward from the nodes' reports
/// (`ClusterMap+Rebalance`, `ClusterMap+Progress`).
@Suite struct ClusterMapProgressTests {
    static func id(_ number: Int) -> NodeID { try! NodeID("node-\(number)") }

    /// Every move reported loaded, then caught up, then drained: what the nodes would say.
    static func runMoves(_ map: inout ClusterMap) throws {
        var incoming: [NodeID: Set<Int>] = [:]
        for move in map.moves { incoming[move.to, default: []].insert(move.partition) }
        #expect(try !map.advanceMoves(loaded: incoming, caughtUp: [:], nowMicros: 0).loaded.isEmpty)
        #expect(try !map.advanceMoves(loaded: [:], caughtUp: incoming, nowMicros: 0, gracePeriodMicros: 10).flipped.isEmpty)
        #expect(try map.advanceMoves(loaded: [:], caughtUp: [:], nowMicros: 5).drained.isEmpty)
        #expect(try !map.advanceMoves(loaded: [:], caughtUp: [:], nowMicros: 10).drained.isEmpty)
        #expect(map.moves.isEmpty)
    }

    @Test func evacuatingADownNodeLeavesItInTheMapHoldingNothingAndEveryPartitionWithRReplicas() throws {
        var map = try ClusterMapTests.threeNodeMap(replicas: 2, partitions: 64)
        try map.markNode(Self.id(2), .down)
        #expect(throws: SkewlessError.self) { try map.planEvacuation(of: [Self.id(1)]) }  // not down
        let plan = try map.planEvacuation(of: [Self.id(2)])
        #expect(plan.moves.count == map.partitions(on: Self.id(2)).count)
        #expect(plan.moves.allSatisfy { $0.from == Self.id(2) && $0.to != Self.id(2) })
        try map.begin(plan)
        #expect(map.node(Self.id(2))?.state == .down)
        try Self.runMoves(&map)
        #expect(map.partitions(on: Self.id(2)).isEmpty)
        #expect(map.node(Self.id(2))?.state == .down)
        #expect(map.underReplicatedPartitions(live: [Self.id(1), Self.id(3)]).isEmpty)
    }

    @Test func evacuationNeedsRNodesUp() throws {
        var map = try ClusterMapTests.threeNodeMap(replicas: 3, partitions: 16)
        try map.markNode(Self.id(3), .down)
        #expect(throws: SkewlessError.self) { try map.planEvacuation(of: [Self.id(3)]) }
    }

    @Test func aNodeBackUpHoldingNothingIsGivenItsShareByBalance() throws {
        var map = try ClusterMapTests.threeNodeMap(replicas: 2, partitions: 64)
        try map.markNode(Self.id(3), .down)
        try map.begin(try map.planEvacuation(of: [Self.id(3)]))
        try Self.runMoves(&map)
        // Balanced over the two nodes up: nothing to move.
        #expect(try map.planBalance().moves.isEmpty)
        try map.markNode(Self.id(3), .up)
        let plan = try map.planBalance()
        #expect(!plan.moves.isEmpty)
        #expect(plan.moves.allSatisfy { $0.to == Self.id(3) })
        try map.begin(plan)
        try Self.runMoves(&map)
        let counts = map.assignment.replicaCounts()
        #expect(counts.values.max()! - counts.values.min()! <= 1, "\(counts)")
    }

    @Test func movesAdvancePartitionByPartitionAsNodesReportThem() throws {
        var map = try ClusterMapTests.threeNodeMap(replicas: 1, partitions: 16)
        let newcomer = try ClusterNode(id: Self.id(4), address: NodeAddress(host: "127.0.0.1", port: 7424))
        try map.begin(try map.planAddNode(newcomer))
        let moving = map.moves.map(\.partition)
        let epoch = map.epoch
        // Nothing reported, or reports of nodes not receiving: nothing moves, the epoch stays.
        #expect(try map.advanceMoves(loaded: [Self.id(1): Set(moving)], caughtUp: [:], nowMicros: 0).isEmpty)
        #expect(map.epoch == epoch)
        let progress = try map.advanceMoves(loaded: [Self.id(4): [moving[0]]], caughtUp: [:], nowMicros: 0)
        #expect(progress.loaded == [moving[0]])
        #expect(map.epoch == epoch + 1)
        #expect(map.move(of: moving[0])?.phase == .catchingUp)
        #expect(map.moves.filter { $0.phase == .loading }.count == moving.count - 1)
        // Caught up is only read for moves catching up.
        let flipped = try map.advanceMoves(loaded: [:], caughtUp: [Self.id(4): Set(moving)], nowMicros: 0)
        #expect(flipped.flipped == [moving[0]])
    }

    @Test func aMoveToADownNodeIsStalled() throws {
        var map = try ClusterMapTests.threeNodeMap(replicas: 1, partitions: 16)
        let newcomer = try ClusterNode(id: Self.id(4), address: NodeAddress(host: "127.0.0.1", port: 7424))
        try map.begin(try map.planAddNode(newcomer))
        #expect(map.stalledMoves().isEmpty)
        #expect(map.stalledMoves(unreachable: [Self.id(4)]).count == map.moves.count)
        try map.markNode(Self.id(4), .down)
        #expect(map.stalledMoves().count == map.moves.count)
    }
}
