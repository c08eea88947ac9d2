import Synchronization

/// The node's token buckets, one per principal (or per client address, without
/// authentication): a connection takes its principal's bucket at the handshake and takes a
/// token per request from it, so one principal's connections share one rate
/// (docs/protocol.md, "Rate limits").
final class RateLimiter: Sendable {
    let limit: NodeSecurity.RateLimit
    private let buckets = Mutex<[String: RateBucket]>([:])
    /// Buckets kept at most; past it, the map starts again (a full bucket is what a new one is).
    static let maximumBuckets = 65_536

    init(limit: NodeSecurity.RateLimit) {
        self.limit = limit
    }

    /// The bucket of `key`; nil when there is no limit.
    func bucket(for key: String) -> RateBucket? {
        guard limit.isOn else { return nil }
        return buckets.withLock { buckets in
            if let bucket = buckets[key] { return bucket }
            if buckets.count >= Self.maximumBuckets { buckets.removeAll() }
            let bucket = RateBucket(requestsPerSecond: limit.requestsPerSecond, burst: limit.burst > 0 ? limit.burst : limit.requestsPerSecond)
            buckets[key] = bucket
            return bucket
        }
    }
}
