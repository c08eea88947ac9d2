import SkewlessCluster
import SkewlessModel

/// What a cluster node allows for each partition under its current map, computed once per map
/// (and whenever a partition finishes loading) so that checking a request costs one hash and
/// two array reads per key, and allocates nothing unless the request is refused.
///
/// The rules (docs/cluster.md, "On the wire"):
/// - Reads of a partition are served by its replicas and, until the drain deadline, by the
///   node draining it; any other node answers wrong-shard. A replica that has not finished
///   loading the partition from the segments answers `UNAVAILABLE` instead, so the client reads
///   another replica rather than an empty row.
/// - Writes are stored by every node the map gives a role for the partition (replica,
///   incoming, draining); any other node answers wrong-shard.
final class PartitionAccess: Sendable {
    let epoch: UInt64
    let partitioner: Partitioner
    let nodeID: String
    /// Per partition: reads are served while the clock is below this. `Int64.max` for a
    /// replica, the drain deadline for a draining node, `Int64.min` otherwise.
    private let readsUntil: [Int64]
    /// Per partition: writes are stored.
    private let writable: [Bool]
    /// Per partition: its rows are loaded from the segments.
    private let loaded: [Bool]
    /// Per partition: a move of it is in progress (any phase).
    private let moving: [Bool]

    /// - Parameter node: nil when the node's id is not in the map (it holds nothing).
    init(map: ClusterMap, node: NodeID?, loaded: Set<Int>) {
        epoch = map.epoch
        partitioner = map.partitioner
        nodeID = node?.rawValue ?? "?"
        var readsUntil = [Int64](repeating: Int64.min, count: map.partitionCount)
        var writable = [Bool](repeating: false, count: map.partitionCount)
        if let node {
            for partition in 0..<map.partitionCount {
                let role = map.role(of: node, for: partition)
                switch role {
                case .replica: readsUntil[partition] = Int64.max
                case .draining(let deadline): readsUntil[partition] = deadline
                case .incoming, .none: break
                }
                writable[partition] = role.acceptsWrites
            }
        }
        self.readsUntil = readsUntil
        self.writable = writable
        self.loaded = (0..<map.partitionCount).map(loaded.contains)
        var moving = [Bool](repeating: false, count: map.partitionCount)
        for move in map.moves {
            moving[move.partition] = true
        }
        self.moving = moving
    }

    /// Whether the node keeps the partition's rows (any role but none).
    func holds(_ partition: Int) -> Bool {
        writable[partition]
    }

    /// Throws unless this node serves reads of every key at `nowMicros`.
    /// - Throws: `WrongShardError` naming the partitions it does not serve; else
    ///   `UNAVAILABLE` when a partition it serves is still loading.
    func checkRead(_ keys: [EntityKey], nowMicros: Int64) throws {
        var loading: Int?
        for key in keys {
            let partition = partitioner.partition(of: key)
            guard nowMicros < readsUntil[partition] else {
                throw refusal(keys, reading: true, nowMicros: nowMicros)
            }
            if !loaded[partition] {
                loading = partition
            }
        }
        if let loading {
            throw SkewlessError(.unavailable, "partition \(loading) is still loading from the segment store on node \(nodeID) (cluster map epoch \(epoch)): read it from another replica, or retry once GET_CLUSTER_MAP lists it as loaded")
        }
    }

    /// Throws `WrongShardError` unless this node stores writes of every key.
    func checkWrite(_ keys: [EntityKey]) throws {
        for key in keys where !writable[partitioner.partition(of: key)] {
            throw refusal(keys, reading: false, nowMicros: 0)
        }
    }

    /// Throws `WrongShardError` when a write routed by the map of epoch `mapEpoch` (0: not
    /// said, no check) is older than this node's map and touches a partition in motion. Such a
    /// writer may not know the node the partition moves to, and would write to the old owner
    /// alone rows the new owner never gets; refused, it refreshes its map and writes to both.
    /// Free when the writer's map is current (one comparison).
    func checkWriteEpoch(_ keys: [EntityKey], mapEpoch: UInt64) throws {
        guard mapEpoch != 0, mapEpoch < epoch else { return }
        var refused = Set<Int>()
        for key in keys {
            let partition = partitioner.partition(of: key)
            if moving[partition] {
                refused.insert(partition)
            }
        }
        guard !refused.isEmpty else { return }
        let partitions = refused.sorted()
        let shown = partitions.prefix(10).map(String.init).joined(separator: ", ") + (partitions.count > 10 ? ", ..." : "")
        throw WrongShardError(
            epoch: epoch, partitions: partitions,
            message: "wrong shard: the write was routed by cluster map epoch \(mapEpoch) but node \(nodeID) has epoch \(epoch), and partition(s) \(shown) are moving between nodes; refresh the cluster map (GET_CLUSTER_MAP) and write to every node it lists for them")
    }

    /// The partitions whose reads this node serves at `nowMicros` and has loaded, ascending:
    /// what it digests when asked for every partition (PARTITION_DIGEST).
    func servedPartitions(nowMicros: Int64) -> [Int] {
        readsUntil.indices.filter { nowMicros < readsUntil[$0] && loaded[$0] }
    }

    /// Throws unless this node may export the rows of every partition at `nowMicros`
    /// (EXPORT_ROWS): it serves reads of them (a replica, or draining before its deadline) and
    /// has loaded them, so what it exports is what it serves.
    /// - Throws: `INVALID_ARGUMENT` for a partition outside the map; `WrongShardError` naming
    ///   the partitions it does not serve; else `UNAVAILABLE` when one is still loading.
    func checkExport(_ partitions: [Int], nowMicros: Int64) throws {
        var refused: [Int] = []
        var loading: Int?
        for partition in partitions {
            guard readsUntil.indices.contains(partition) else {
                throw SkewlessError(.invalidArgument, "partition \(partition) does not exist: the cluster has \(readsUntil.count) partitions (0 to \(readsUntil.count - 1))")
            }
            if nowMicros >= readsUntil[partition] {
                refused.append(partition)
            } else if !loaded[partition] {
                loading = partition
            }
        }
        if !refused.isEmpty {
            let sorted = Set(refused).sorted()
            let shown = sorted.prefix(10).map(String.init).joined(separator: ", ") + (sorted.count > 10 ? ", ..." : "")
            throw WrongShardError(
                epoch: epoch, partitions: sorted,
                message: "wrong shard: node \(nodeID) (cluster map epoch \(epoch)) does not serve partition(s) \(shown), so it cannot export their rows; copy them from a node the cluster map lists as their replica")
        }
        if let loading {
            throw SkewlessError(.unavailable, "partition \(loading) is still loading from the segment store on node \(nodeID) (cluster map epoch \(epoch)): export it from another replica, or retry once GET_CLUSTER_MAP lists it as loaded")
        }
    }

    /// The slow path, once a key is refused: every refused partition of the request.
    private func refusal(_ keys: [EntityKey], reading: Bool, nowMicros: Int64) -> WrongShardError {
        var refused = Set<Int>()
        for key in keys {
            let partition = partitioner.partition(of: key)
            let allowed = reading ? nowMicros < readsUntil[partition] : writable[partition]
            if !allowed {
                refused.insert(partition)
            }
        }
        let partitions = refused.sorted()
        let shown = partitions.prefix(10).map(String.init).joined(separator: ", ") + (partitions.count > 10 ? ", ..." : "")
        let what = reading ? "serve reads of" : "store writes to"
        let noun = partitions.count == 1 ? "partition" : "partitions"
        return WrongShardError(
            epoch: epoch, partitions: partitions,
            message: "wrong shard: node \(nodeID) (cluster map epoch \(epoch)) does not \(what) \(noun) \(shown); refresh the cluster map (GET_CLUSTER_MAP) and send these keys to the nodes it lists")
    }
}
