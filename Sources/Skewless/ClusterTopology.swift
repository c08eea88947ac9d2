import Foundation
import SkewlessCluster
import SkewlessModel

/// One epoch of the cluster map, prepared for routing: nodes by index with their endpoints,
/// each partition's replicas as node indexes, and the nodes a write to it goes to
/// (docs/cluster.md, "Replicas: reads and writes").
///
/// Immutable; the router swaps in a new one when the map changes.
struct ClusterTopology: Sendable {
    let map: ClusterMap
    let endpoints: [Endpoint]
    /// `replicas[p]`: the nodes serving partition p, in preferred order.
    private let replicas: [[Int]]
    /// The node draining partition p after a flip: it still answers reads until its grace
    /// deadline, so it is the last resort when the new owner refuses (its map is older).
    private let draining: [Int?]
    /// `writeTargets[p]`: the replicas, plus a node moving in or draining.
    let writeTargets: [[Int]]
    /// Nodes the map marks down: tried last.
    private let isDown: [Bool]

    var epoch: UInt64 { map.epoch }
    var partitioner: Partitioner { map.partitioner }
    var replicationFactor: Int { map.replicationFactor }

    /// A topology from the map JSON a node sent (GET_CLUSTER_MAP).
    /// - Parameter source: names the node in errors.
    init(mapJSON: Data, source: String) throws(SkewlessError) {
        try self.init(map: ClusterMapFile.decode(mapJSON, source: "the cluster map from \(source)"))
    }

    init(map: ClusterMap) {
        self.map = map
        var index: [NodeID: Int] = [:]
        for (position, node) in map.nodes.enumerated() {
            index[node.id] = position
        }
        endpoints = map.nodes.map { Endpoint(host: $0.address.host, port: $0.address.port) }
        isDown = map.nodes.map { $0.state == .down }
        // The map is checked for consistency when decoded: every replica is a listed node.
        replicas = (0..<map.partitionCount).map { partition in map.replicas(of: partition).compactMap { index[$0] } }
        draining = (0..<map.partitionCount).map { partition in
            guard let move = map.move(of: partition), move.phase == .draining else { return nil }
            return index[move.from]
        }
        writeTargets = (0..<map.partitionCount).map { partition in map.writeTargets(of: partition).compactMap { index[$0] } }
    }

    /// The node to read partition `partition` from: the replicas in rotated order (so
    /// successive requests spread over them), skipping `excluded` nodes, preferring nodes
    /// that are neither down in the map nor `suspect`; then the draining node, if any.
    /// - Parameter rotation: a per-request counter; `(rotation + partition) mod R` picks the
    ///   first replica to try.
    func readNode(partition: Int, rotation: Int, excluded: (Int) -> Bool, suspect: (Int) -> Bool) -> Int? {
        let nodes = replicas[partition]
        let count = nodes.count
        guard count > 0 else { return draining[partition].flatMap { excluded($0) ? nil : $0 } }
        let start = (rotation &+ partition) & Int.max
        var fallback: Int?
        for offset in 0..<count {
            let node = nodes[(start + offset) % count]
            if excluded(node) { continue }
            if isDown[node] || suspect(node) {
                if fallback == nil { fallback = node }
                continue
            }
            return node
        }
        if let fallback { return fallback }
        if let node = draining[partition], !excluded(node) { return node }
        return nil
    }

    /// How many nodes not yet `excluded` could serve a read of `partition`: at least 1.
    func remainingCandidates(partition: Int, excluded: (Int) -> Bool) -> Int {
        let left = replicas[partition].count { !excluded($0) } + (draining[partition].map { excluded($0) ? 0 : 1 } ?? 0)
        return max(1, left)
    }

    /// The index of the node at `endpoint`, if the map has one.
    func node(at endpoint: Endpoint) -> Int? {
        endpoints.firstIndex(of: endpoint)
    }
}
