import SkewlessModel
import Testing
@testable import SkewlessCluster

/// The judged properties of the assignment, for N = 3...16 nodes and R = 1, 2, 3 at the default
/// 1024 partitions: balance within 10 % of the mean (the planner achieves one replica), adding a
/// node moves about its fair share PR/(N+1) and at most 1.2 times that, removing a node moves
/// only the replicas that lived on it, never two replicas of a partition on one node, and the
/// same inputs give the same assignment.
@Suite struct AssignmentPlannerTests {
    static let partitionCount = 1024
    static let cases: [(nodes: Int, replicas: Int)] = (3...16).flatMap { n in (1...3).map { (n, $0) } }

    static func nodes(_ count: Int, from first: Int = 1) throws -> [NodeID] {
        try (first..<(first + count)).map { try NodeID("node-\($0)") }
    }

    /// Every partition has R distinct nodes, all from `nodes`, and counts are within one of each
    /// other and within 10 % of the mean.
    static func expectValid(_ assignment: PartitionAssignment, nodes: [NodeID], replicas: Int, _ context: String) {
        #expect(assignment.partitionCount == partitionCount, "\(context)")
        let allowed = Set(nodes)
        for (partition, holders) in assignment.replicas.enumerated() {
            #expect(holders.count == replicas && Set(holders).count == replicas, "\(context): partition \(partition) has \(holders)")
            #expect(holders.allSatisfy(allowed.contains), "\(context): partition \(partition) on a node outside the cluster")
        }
        let counts = assignment.replicaCounts()
        let perNode = nodes.map { counts[$0, default: 0] }
        let mean = Double(partitionCount * replicas) / Double(nodes.count)
        let spread = (perNode.min() ?? 0, perNode.max() ?? 0)
        #expect(spread.1 - spread.0 <= 1, "\(context): replicas per node range over \(spread)")
        #expect(perNode.allSatisfy { abs(Double($0) - mean) <= 0.1 * mean }, "\(context): \(perNode) vs mean \(mean)")
    }

    @Test(arguments: cases)
    func newClusterIsBalanced(nodeCount: Int, replicas: Int) throws {
        let planner = try AssignmentPlanner(partitionCount: Self.partitionCount, replicationFactor: replicas)
        let nodes = try Self.nodes(nodeCount)
        let assignment = try planner.initialAssignment(nodes: nodes)
        Self.expectValid(assignment, nodes: nodes, replicas: replicas, "N=\(nodeCount) R=\(replicas)")
    }

    @Test(arguments: cases)
    func addingANodeMovesItsFairShare(nodeCount: Int, replicas: Int) throws {
        let planner = try AssignmentPlanner(partitionCount: Self.partitionCount, replicationFactor: replicas)
        let before = try planner.initialAssignment(nodes: Self.nodes(nodeCount))
        let grown = try Self.nodes(nodeCount + 1)
        let after = try planner.rebalance(before, nodes: grown)
        let context = "N=\(nodeCount)+1 R=\(replicas)"
        Self.expectValid(after, nodes: grown, replicas: replicas, context)

        let moves = before.moves(to: after)
        let fairShare = Double(Self.partitionCount * replicas) / Double(nodeCount + 1)
        #expect(Double(moves.count) <= 1.2 * fairShare, "\(context): \(moves.count) moves, fair share \(fairShare)")
        #expect(Double(moves.count) >= 0.8 * fairShare, "\(context): \(moves.count) moves, fair share \(fairShare)")
        let newcomer = grown[nodeCount]
        #expect(moves.allSatisfy { $0.to == newcomer }, "\(context): a move between old nodes")
        // With R = 1 a move is a partition: about P/(N+1) partitions change owner.
        if replicas == 1 {
            #expect(Double(Set(moves.map(\.partition)).count) <= 1.2 * Double(Self.partitionCount) / Double(nodeCount + 1))
        }
    }

    @Test(arguments: cases.filter { $0.nodes > $0.replicas })
    func removingANodeMovesOnlyItsReplicas(nodeCount: Int, replicas: Int) throws {
        let planner = try AssignmentPlanner(partitionCount: Self.partitionCount, replicationFactor: replicas)
        let nodes = try Self.nodes(nodeCount)
        // A cluster that has already grown once, so removal starts from a rebalanced state.
        let start = try planner.rebalance(try planner.initialAssignment(nodes: Array(nodes.dropLast())), nodes: nodes)
        for removed in [nodes[0], nodes[nodeCount / 2], nodes[nodeCount - 1]] {
            let remaining = nodes.filter { $0 != removed }
            let after = try planner.rebalance(start, nodes: remaining)
            let context = "N=\(nodeCount)-\(removed) R=\(replicas)"
            Self.expectValid(after, nodes: remaining, replicas: replicas, context)
            let moves = start.moves(to: after)
            #expect(moves.allSatisfy { $0.from == removed }, "\(context): \(moves.filter { $0.from != removed }.prefix(3))")
            #expect(moves.count == start.partitions(on: removed).count, "\(context)")
        }
    }

    @Test func sameInputsGiveTheSameAssignment() throws {
        let planner = try AssignmentPlanner(partitionCount: Self.partitionCount, replicationFactor: 3)
        let nodes = try Self.nodes(7)
        let first = try planner.initialAssignment(nodes: nodes)
        #expect(try planner.initialAssignment(nodes: nodes.reversed()) == first)
        var random = TestSeed.generator(0x504C_414E)
        #expect(try planner.initialAssignment(nodes: nodes.shuffled(using: &random)) == first, "\(TestSeed.note)")
        let grown = try planner.rebalance(first, nodes: Self.nodes(8))
        #expect(try planner.rebalance(first, nodes: Self.nodes(8).reversed()) == grown)
        // A rebalance onto the same nodes changes nothing.
        #expect(try planner.rebalance(grown, nodes: Self.nodes(8)) == grown)
    }

    /// A long life: nodes join and leave one at a time; every step stays balanced and moves only
    /// what it must.
    @Test func manyChangesInARow() throws {
        let planner = try AssignmentPlanner(partitionCount: Self.partitionCount, replicationFactor: 2)
        var nodes = try Self.nodes(4)
        var assignment = try planner.initialAssignment(nodes: nodes)
        var nextID = 5
        for step in 0..<12 {
            let removing = step % 3 == 2
            let removed = nodes[(step * 5) % nodes.count]
            if removing {
                nodes.removeAll { $0 == removed }
            } else {
                nodes.append(try NodeID("node-\(nextID)"))
                nextID += 1
            }
            let next = try planner.rebalance(assignment, nodes: nodes)
            Self.expectValid(next, nodes: nodes, replicas: 2, "step \(step)")
            let moves = assignment.moves(to: next)
            if removing {
                #expect(moves.allSatisfy { $0.from == removed }, "step \(step)")
            } else {
                #expect(moves.allSatisfy { $0.to == nodes.last }, "step \(step)")
            }
            assignment = next
        }
    }

    @Test func preferredReplicasSpreadOverNodes() throws {
        let planner = try AssignmentPlanner(partitionCount: Self.partitionCount, replicationFactor: 3)
        let nodes = try Self.nodes(8)
        let counts = try planner.initialAssignment(nodes: nodes).preferredCounts()
        // Rendezvous picks slot 0 first for every partition: 128 per node on average.
        #expect(nodes.allSatisfy { counts[$0, default: 0] >= 64 && counts[$0, default: 0] <= 192 }, "\(counts)")
    }

    @Test func refusesImpossibleClusters() throws {
        let planner = try AssignmentPlanner(partitionCount: 16, replicationFactor: 3)
        #expect(throws: SkewlessError.self) { try planner.initialAssignment(nodes: Self.nodes(2)) }
        #expect(throws: SkewlessError.self) { try planner.initialAssignment(nodes: Self.nodes(2) + Self.nodes(2)) }
        #expect(throws: SkewlessError.self) { try AssignmentPlanner(partitionCount: 16, replicationFactor: 0) }
        let other = try AssignmentPlanner(partitionCount: 8, replicationFactor: 1).initialAssignment(nodes: Self.nodes(3))
        #expect(throws: SkewlessError.self) { try planner.rebalance(other, nodes: Self.nodes(3)) }
    }

    @Test func smallClustersWithFewPartitions() throws {
        // P = 16, R = 3 on 3 nodes: every node holds every partition.
        let planner = try AssignmentPlanner(partitionCount: 16, replicationFactor: 3)
        let assignment = try planner.initialAssignment(nodes: Self.nodes(3))
        #expect(assignment.replicas.allSatisfy { Set($0).count == 3 })
        let grown = try planner.rebalance(assignment, nodes: Self.nodes(4))
        #expect(grown.replicas.allSatisfy { Set($0).count == 3 })
        #expect(Set(grown.replicaCounts().values) == [12])
    }
}
