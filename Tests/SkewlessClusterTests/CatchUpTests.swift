import SkewlessModel
import Testing
@testable import SkewlessCluster

/// The `catching_up` phase's pure parts: which partitions an incoming node copies, from
/// whom, and how the coordinator tells it is done.
@Suite struct CatchUpTests {
    static func id(_ number: Int) throws -> NodeID { try NodeID("node-\(number)") }

    /// A 3-node map with R = 2 adding node-4, advanced to `catching_up`.
    static func catchingUpMap() throws -> ClusterMap {
        var map = try ClusterMapTests.threeNodeMap()
        try map.begin(map.planAddNode(ClusterMapTests.node(4)))
        try map.markLoaded()
        return map
    }

    @Test func onlyCatchingUpMovesToTheNodeAreCopied() throws {
        var map = try ClusterMapTests.threeNodeMap()
        let node4 = try Self.id(4)
        try map.begin(map.planAddNode(ClusterMapTests.node(4)))
        #expect(map.partitionsCatchingUp(to: node4).isEmpty)  // still loading
        let incoming = map.moves.map(\.partition)
        let firstHalf = Array(incoming.prefix(incoming.count / 2))
        try map.markLoaded(firstHalf)
        #expect(map.partitionsCatchingUp(to: node4) == firstHalf)
        #expect(map.partitionsCatchingUp(to: try Self.id(1)).isEmpty)  // outgoing nodes copy nothing
        try map.markLoaded()
        try map.flip(firstHalf, nowMicros: 0)
        #expect(map.partitionsCatchingUp(to: node4) == incoming.filter { !firstHalf.contains($0) })
    }

    @Test func sourcesAreTheOutgoingNodeThenTheOtherReplicasAndDownNodesLast() throws {
        var map = try Self.catchingUpMap()
        let node4 = try Self.id(4)
        let move = try #require(map.moves.first)
        let sources = map.catchUpSources(of: move.partition, for: node4)
        #expect(sources.first == move.from)
        #expect(Set(sources) == Set(map.replicas(of: move.partition)))
        #expect(!sources.contains(node4))
        #expect(sources.count == 2)

        try map.markNode(move.from, .down)
        let afterDown = map.catchUpSources(of: move.partition, for: node4)
        #expect(afterDown.last == move.from)
        #expect(afterDown.count == 2)
    }

    @Test func aSingleReplicaPartitionHasOneSource() throws {
        var map = try ClusterMap.create(nodes: [ClusterMapTests.node(1), ClusterMapTests.node(2)], partitionCount: 16, replicationFactor: 1)
        try map.begin(map.planAddNode(ClusterMapTests.node(3)))
        try map.markLoaded()
        let node3 = try Self.id(3)
        for move in map.moves {
            #expect(map.catchUpSources(of: move.partition, for: node3) == [move.from])
        }
        // A partition not moving to node-3: its replica is a source for anyone else.
        let still = try #require((0..<16).first { map.move(of: $0) == nil })
        #expect(map.catchUpSources(of: still, for: node3) == map.replicas(of: still))
    }

    @Test func readinessCountsWhatEachNodeReports() throws {
        let map = try Self.catchingUpMap()
        let expected = PartitionReadiness.incomingPartitions(of: map)
        let node4 = try Self.id(4)
        #expect(Array(expected.keys) == [node4])
        let wanted = try #require(expected[node4]).sorted()
        #expect(wanted == map.moves.map(\.partition))

        let none = PartitionReadiness(expected: expected, reported: [:])
        #expect(!none.isComplete)
        #expect(none.behind == ["node-4 (not answering)"])
        #expect(none.ready == 0 && none.total == wanted.count)

        let some = PartitionReadiness(expected: expected, reported: [node4: Array(wanted.prefix(3)) + [9_999]])
        #expect(some.ready == 3)
        #expect(some.behind == ["node-4 3/\(wanted.count)"])

        let all = PartitionReadiness(expected: expected, reported: [node4: wanted.reversed()])
        #expect(all.isComplete && all.ready == all.total)
        #expect(PartitionReadiness(expected: [:], reported: [:]).isComplete)
    }
}
