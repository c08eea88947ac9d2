import SkewlessModel

/// A store that takes pushed rows: Skewless through the SDK's `write`, or the Redis
/// baseline through pipelined HSET. The same driver, rows and load drive every target.
package protocol PushTarget: Sendable {
    /// "skewless", "redis".
    var name: String { get }
    /// One connection (the driver opens as many as asked and spreads its workers over them).
    func connect() async throws(SkewlessError) -> any PushConnection
}

/// One connection of a push target; several batches may await their acknowledgement on it.
///
/// A push is two steps so the driver can time them apart: `prepare` builds what the
/// target's client needs from the rows (`FeatureWrite` values for the SDK, RESP bytes for
/// Redis) on the caller's thread, `send` sends it and waits for the acknowledgement.
package protocol PushConnection: Sendable {
    associatedtype Prepared: Sendable
    func prepare(_ batch: PushBatch) -> Prepared
    func send(_ prepared: Prepared, rows: Int) async -> PushOutcome
    func close() async
}

/// How one batch ended.
package enum PushOutcome: Sendable, Hashable {
    /// Acknowledged. `replicasMissed`: replicas the node reported as not having applied the
    /// batch in time (0 for Redis and when all did); `accepted`: whether the
    /// acknowledgement carries the write log's accepted time (a durable acknowledgement).
    case acknowledged(replicasMissed: Int, accepted: Bool)
    /// The deadline passed first.
    case timeout
    case failure(String)

    /// The same outcome as a request's, for the progress line and `RunResult`.
    package var fetchOutcome: FetchOutcome {
        switch self {
        case .acknowledged: return .success
        case .timeout: return .timeout
        case .failure(let message): return .failure(message)
        }
    }
}
