/// How far nodes are with a step of a rebalance: which of the partitions each node must
/// report (loaded, or caught up) it does report. What the rebalance coordinator shows while it
/// waits, kept apart from the network so it can be tested.
package struct PartitionReadiness: Sendable, Hashable {
    /// Partitions reported among those expected, over every node.
    package let ready: Int
    /// Partitions expected, over every node.
    package let total: Int
    /// The nodes not done, ascending by id, each as "node-4 3/8" or "node-4 (not answering)".
    package let behind: [String]

    /// - Parameters:
    ///   - expected: per node, the partitions it must report.
    ///   - reported: per node, the partitions it reports; nil (or absent) when it did not
    ///     answer. Partitions reported but not expected are ignored.
    package init(expected: [NodeID: Set<Int>], reported: [NodeID: [Int]?]) {
        var ready = 0
        var behind: [String] = []
        for node in expected.keys.sorted() {
            let wanted = expected[node] ?? []
            guard let answer = reported[node], let partitions = answer else {
                if !wanted.isEmpty { behind.append("\(node) (not answering)") }
                continue
            }
            let have = wanted.intersection(partitions).count
            ready += have
            if have < wanted.count {
                behind.append("\(node) \(have)/\(wanted.count)")
            }
        }
        self.ready = ready
        self.total = expected.values.reduce(0) { $0 + $1.count }
        self.behind = behind
    }

    /// Every node reports every partition expected of it.
    package var isComplete: Bool { behind.isEmpty }

    /// Per incoming node of `map`'s moves that have not flipped, the partitions moving to it.
    package static func incomingPartitions(of map: ClusterMap) -> [NodeID: Set<Int>] {
        var expected: [NodeID: Set<Int>] = [:]
        for move in map.moves where move.phase != .draining {
            expected[move.to, default: []].insert(move.partition)
        }
        return expected
    }
}
