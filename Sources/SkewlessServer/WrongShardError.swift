/// A request named keys of partitions this node does not serve for it: the client's cluster
/// map is stale. Answered as `ABORTED` with `status.wrong_shard` (docs/protocol.md, "Cluster
/// map methods and the wrong-shard status"), like Redis Cluster's MOVED.
struct WrongShardError: Error, Sendable, Hashable {
    /// The epoch of this node's cluster map.
    var epoch: UInt64
    /// The request's partitions this node refused, ascending, without repeats.
    var partitions: [Int]
    /// For people: what was refused and what to do next.
    var message: String
}
