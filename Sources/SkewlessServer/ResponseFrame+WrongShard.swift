import SkewlessWire

extension Skewless_V1_ResponseFrame {
    /// The `ABORTED` answer to a request with keys of partitions this node does not serve,
    /// carrying the node's epoch and the refused partitions in `status.wrong_shard`.
    static func wrongShard(requestID: UInt64, _ error: WrongShardError) -> Self {
        var frame = Self()
        frame.requestID = requestID
        frame.status.code = .aborted
        frame.status.message = error.message
        frame.status.wrongShard.epoch = error.epoch
        frame.status.wrongShard.partitions = error.partitions.map { UInt32(truncatingIfNeeded: $0) }
        return frame
    }
}
