import SkewlessModel
import Testing
@testable import SkewlessCluster

@Suite struct ClusterMapTests {
    static func node(_ number: Int, _ state: NodeState = .up) throws -> ClusterNode {
        try ClusterNode(id: NodeID("node-\(number)"), address: NodeAddress(host: "127.0.0.1", port: 7420 + number), state: state)
    }

    static func threeNodeMap(replicas: Int = 2, partitions: Int = 64) throws -> ClusterMap {
        try ClusterMap.create(nodes: [node(1), node(2), node(3)], partitionCount: partitions, replicationFactor: replicas)
    }

    @Test func createStartsAtEpochOneWithEveryNodeUp() throws {
        let map = try ClusterMap.create(nodes: [Self.node(2, .down), Self.node(1)], partitionCount: 64, replicationFactor: 2)
        #expect(map.epoch == 1)
        #expect(map.nodes.map(\.id.rawValue) == ["node-1", "node-2"])
        #expect(map.nodes.allSatisfy { $0.state == .up })
        #expect(map.moves.isEmpty)
        #expect(map.assignment.replicas.allSatisfy { $0.count == 2 })
    }

    @Test func createRefusesBadClusters() throws {
        #expect(throws: SkewlessError.self) { try ClusterMap.create(nodes: [Self.node(1)], replicationFactor: 2) }
        #expect(throws: SkewlessError.self) { try ClusterMap.create(nodes: [Self.node(1)], partitionCount: 0, replicationFactor: 1) }
        let twin = try ClusterNode(id: NodeID("node-9"), address: Self.node(1).address)
        #expect(throws: SkewlessError.self) { try ClusterMap.create(nodes: [Self.node(1), twin], replicationFactor: 1) }
    }

    @Test func lookups() throws {
        let map = try Self.threeNodeMap()
        let key = EntityKey([1001, "m-7"])
        #expect(map.partition(of: key) == Int(UInt64(0xFAE1_598B_FCAC_C164) % 64))
        let node1 = try NodeID("node-1")
        let owned = map.partitions(on: node1)
        #expect(owned.count >= 42 && owned.count <= 43)
        for partition in 0..<64 {
            let replicas = map.replicas(of: partition)
            #expect(map.writeTargets(of: partition) == replicas)
            #expect(map.role(of: node1, for: partition) == (replicas.firstIndex(of: node1).map { .replica(slot: $0) } ?? .none))
        }
        #expect(map.partitionsHeld(by: node1) == owned)
        #expect(map.replicas(of: 64).isEmpty)
    }

    @Test func underReplicatedAndUnavailablePartitions() throws {
        let map = try Self.threeNodeMap()
        let all = Set(map.nodes.map(\.id))
        #expect(map.underReplicatedPartitions(live: all).isEmpty)
        let node2 = try NodeID("node-2")
        let withoutNode2 = all.subtracting([node2])
        #expect(map.underReplicatedPartitions(live: withoutNode2) == map.partitions(on: node2))
        #expect(map.unavailablePartitions(live: withoutNode2).isEmpty)
        let node1 = try NodeID("node-1")
        #expect(map.unavailablePartitions(live: [node1]) == (0..<64).filter { !map.replicas(of: $0).contains(node1) })
    }

    /// Adding a node, phase by phase: each step bumps the epoch, the incoming node holds its
    /// partitions before serving them, the flip hands them over, draining keeps the old owner
    /// serving until the deadline.
    @Test func addNodePhaseByPhase() throws {
        var map = try Self.threeNodeMap()
        let newcomer = try Self.node(4)
        let plan = try map.planAddNode(newcomer)
        #expect(plan.baseEpoch == 1)
        #expect(!plan.moves.isEmpty && plan.moves.allSatisfy { $0.to == newcomer.id })
        #expect(map.epoch == 1, "planning changes nothing")

        try map.begin(plan)
        #expect(map.epoch == 2)
        #expect(map.node(newcomer.id)?.state == .joining)
        #expect(map.moves.count == plan.moves.count && map.moves.allSatisfy { $0.phase == .loading })
        let moving = plan.moves[0]
        #expect(map.role(of: newcomer.id, for: moving.partition) == .incoming(.loading))
        #expect(!map.role(of: newcomer.id, for: moving.partition).servesReads)
        #expect(map.writeTargets(of: moving.partition) == map.replicas(of: moving.partition) + [newcomer.id])
        #expect(map.replicas(of: moving.partition).contains(moving.from))

        // Loading one partition, then the rest.
        #expect(try map.markLoaded([moving.partition]) == [moving.partition])
        #expect(map.epoch == 3)
        #expect(map.role(of: newcomer.id, for: moving.partition) == .incoming(.catchingUp))
        try map.markLoaded()
        #expect(map.epoch == 4)
        #expect(map.moves.allSatisfy { $0.phase == .catchingUp })
        #expect(throws: SkewlessError.self) { try map.markLoaded([moving.partition]) }
        #expect(map.epoch == 4, "a refused step changes nothing")

        // The flip.
        try map.flip(nowMicros: 1_000, gracePeriodMicros: 500)
        #expect(map.epoch == 5)
        #expect(map.node(newcomer.id)?.state == .up)
        #expect(map.assignment == plan.target)
        #expect(map.role(of: newcomer.id, for: moving.partition) == .replica(slot: moving.slot))
        #expect(map.role(of: moving.from, for: moving.partition) == .draining(deadlineMicros: 1_500))
        #expect(map.role(of: moving.from, for: moving.partition).servesReads)
        #expect(map.writeTargets(of: moving.partition).last == moving.from)

        // Draining ends at the deadline, not before.
        #expect(try map.finishDraining(nowMicros: 1_499).isEmpty)
        #expect(map.epoch == 5)
        #expect(try map.finishDraining(nowMicros: 1_500).count == plan.moves.count)
        #expect(map.epoch == 6)
        #expect(map.moves.isEmpty)
        #expect(map.role(of: moving.from, for: moving.partition) == .none)
    }

    @Test func removeNodeLeavesAfterDraining() throws {
        var map = try Self.threeNodeMap()
        try map.begin(try map.planAddNode(Self.node(4)))
        try map.markLoaded()
        try map.flip(nowMicros: 0, gracePeriodMicros: 0)
        try map.finishDraining(nowMicros: 0)

        let leaving = try NodeID("node-2")
        let held = map.partitions(on: leaving)
        let plan = try map.planRemoveNode(leaving)
        #expect(plan.moves.map(\.partition) == held)
        #expect(plan.moves.allSatisfy { $0.from == leaving })
        try map.begin(plan)
        #expect(map.node(leaving)?.state == .leaving)
        try map.markLoaded()
        try map.flip(nowMicros: 10, gracePeriodMicros: 5)
        #expect(map.partitions(on: leaving).isEmpty)
        #expect(map.node(leaving)?.state == .leaving, "still draining")
        #expect(map.partitionsHeld(by: leaving) == held)
        try map.finishDraining(nowMicros: 15)
        #expect(map.node(leaving) == nil)
        #expect(map.nodes.count == 3)
        #expect(map.assignment == plan.target)
    }

    @Test func aRebalanceIsAbortedBeforeItsFlipOnly() throws {
        var map = try Self.threeNodeMap()
        #expect(throws: SkewlessError.self, "nothing to abort") { try map.abortMoves() }
        let original = map.assignment
        // Adding node-4, caught in catching_up: the old owners keep everything.
        try map.begin(try map.planAddNode(Self.node(4)))
        try map.markLoaded()
        let epoch = map.epoch
        try map.abortMoves()
        #expect(map.moves.isEmpty && map.epoch == epoch + 1)
        #expect(map.assignment == original)
        let node4 = try NodeID("node-4"), node2 = try NodeID("node-2")
        #expect(map.node(node4) == nil, "the node being added leaves the map")
        #expect(map.nodes.count == 3)
        // Removing node-2, caught in loading: node-2 is up again.
        try map.begin(try map.planRemoveNode(node2))
        #expect(map.node(node2)?.state == .leaving)
        try map.abortMoves()
        #expect(map.node(node2)?.state == .up)
        #expect(map.assignment == original)
        // After the flip, a rebalance can only be finished.
        try map.begin(try map.planAddNode(Self.node(5)))
        try map.markLoaded()
        try map.flip(nowMicros: 0, gracePeriodMicros: 10)
        let flipped = try #require(#expect(throws: SkewlessError.self) { try map.abortMoves() })
        #expect(flipped.message.contains("--resume"))
    }

    @Test func aPlanMovesOneReplicaOfAPartitionAtMost() throws {
        // Nodes holding no partition (more nodes than replicas to place) let the planner move
        // two replicas of one partition, which a map cannot carry; the plan keeps one.
        for (nodeCount, partitions) in [(3, 64), (6, 2), (9, 4)] {
            var map = try ClusterMap.create(nodes: (1...nodeCount).map { try Self.node($0) }, partitionCount: partitions, replicationFactor: 2)
            map.nodes.append(try Self.node(nodeCount + 1))  // up, holding nothing
            for plan in [try map.planAddNode(Self.node(nodeCount + 2)), try map.planRemoveNode(try NodeID("node-1"))] {
                let perPartition = Dictionary(grouping: plan.moves, by: \.partition).mapValues(\.count)
                #expect(perPartition.values.allSatisfy { $0 == 1 }, "\(nodeCount) nodes: \(plan.change)")
                var next = map
                try next.begin(plan)
                try next.markLoaded()
                try next.flip(nowMicros: 0, gracePeriodMicros: 0)
                try next.finishDraining(nowMicros: 0)
                if case .removeNode(let removed) = plan.change {
                    #expect(next.node(removed) == nil && next.partitions(on: removed).isEmpty, "the removed node holds nothing")
                }
                for partition in 0..<partitions {
                    #expect(Set(next.replicas(of: partition)).count == 2, "two distinct replicas of partition \(partition)")
                }
            }
        }
    }

    @Test func onePlanAtATimeAndOnlyOnItsEpoch() throws {
        var map = try Self.threeNodeMap()
        let stale = try map.planAddNode(Self.node(4))
        try map.markNode(NodeID("node-1"), .down)
        #expect(map.epoch == 2)
        #expect(throws: SkewlessError.self) { try map.begin(stale) }
        try map.begin(try map.planAddNode(Self.node(4)))
        #expect(throws: SkewlessError.self) { try map.planAddNode(Self.node(5)) }
        #expect(throws: SkewlessError.self) { try map.planRemoveNode(NodeID("node-3")) }
    }

    @Test func planningRefusals() throws {
        let map = try Self.threeNodeMap(replicas: 3)
        #expect(throws: SkewlessError.self) { try map.planAddNode(Self.node(1)) }
        let sameAddress = try ClusterNode(id: NodeID("node-8"), address: Self.node(2).address)
        #expect(throws: SkewlessError.self) { try map.planAddNode(sameAddress) }
        #expect(throws: SkewlessError.self) { try map.planRemoveNode(NodeID("node-9")) }
        // Three replicas need three nodes.
        #expect(throws: SkewlessError.self) { try map.planRemoveNode(NodeID("node-1")) }
        #expect(try map.nextNodeID().rawValue == "node-4")
    }

    @Test func markNodeBumpsTheEpochOnlyOnChange() throws {
        var map = try Self.threeNodeMap()
        let node = try NodeID("node-3")
        try map.markNode(node, .up)
        #expect(map.epoch == 1)
        try map.markNode(node, .down)
        #expect(map.epoch == 2)
        #expect(map.underReplicatedPartitions(live: map.nodesNotDown) == map.partitions(on: node))
        #expect(throws: SkewlessError.self) { try map.markNode(node, .joining) }
    }

    @Test func planSummaryListsNodesAndMoves() throws {
        let map = try Self.threeNodeMap()
        let plan = try map.planAddNode(Self.node(4))
        let text = plan.summary(listing: 2)
        #expect(text.hasPrefix("Plan from epoch 1: add node-4 at 127.0.0.1:7424\nMoves \(plan.moves.count) of 128 replicas"))
        #expect(text.contains("node-4                     0      32     +32"))
        #expect(text.contains("  \(plan.moves[0])"))
        #expect(text.hasSuffix("... and \(plan.moves.count - 2) more"))
    }

    @Test func statusSummaryShowsNodesAndReplication() throws {
        var map = try Self.threeNodeMap()
        try map.begin(try map.planAddNode(Self.node(4)))
        let live: Set<NodeID> = [try NodeID("node-1"), try NodeID("node-3"), try NodeID("node-4")]
        let text = map.statusSummary(live: live)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Cluster map epoch 2: 4 nodes (3 up, 1 down), 64 partitions x 2 replicas")
        #expect(lines[2].hasPrefix("NODE"))
        #expect(lines[4].hasPrefix("node-2          127.0.0.1:7422          down"))
        #expect(lines[6].hasPrefix("node-4          127.0.0.1:7424          joining           0         0       32"))
        let under = map.underReplicatedPartitions(live: live)
        #expect(under == map.partitions(on: try NodeID("node-2")))
        #expect(text.contains("Under-replicated partitions: \(under.count) of 64: \(under.prefix(20).map(String.init).joined(separator: ", ")), ..."))
        #expect(text.hasSuffix("Moves in progress: 32 (loading 32)"))
        #expect(try Self.threeNodeMap().statusSummary().contains("Under-replicated partitions: none"))
    }
}
