import Logging
import SkewlessModel
import Synchronization

/// Who was refused what: every authentication failure, denial and rate-limited request, to a
/// logger of its own (label `skewless.audit`, so it can be routed and kept apart from the
/// node's log), and counted (`counts`). Refusals are logged at warning level, rate-limited
/// requests at most once a second per connection's principal (a flood would drown the log).
package final class AuditLog: Sendable {
    static let label = "skewless.audit"
    private let logger: Logger
    private let unauthenticated = Atomic<UInt64>(0)
    private let denied = Atomic<UInt64>(0)
    private let rateLimited = Atomic<UInt64>(0)
    private let lastRateLog = Atomic<Int64>(0)

    package struct Counts: Sendable, Hashable {
        /// Handshakes refused: no, a bad or an expired credential; connections whose credential expired.
        package var unauthenticated: UInt64
        /// Requests refused PERMISSION_DENIED.
        package var denied: UInt64
        /// Requests refused for the principal's rate.
        package var rateLimited: UInt64
    }

    init(nodeID: String, logger: Logger? = nil) {
        var logger = logger ?? Logger(label: Self.label)
        logger[metadataKey: "node"] = "\(nodeID)"
        self.logger = logger
    }

    var counts: Counts {
        Counts(
            unauthenticated: unauthenticated.load(ordering: .relaxed), denied: denied.load(ordering: .relaxed),
            rateLimited: rateLimited.load(ordering: .relaxed))
    }

    func refusedAuthentication(peer: String, reason: SkewlessError) {
        unauthenticated.add(1, ordering: .relaxed)
        logger.warning("authentication refused", metadata: ["peer": "\(peer)", "reason": "\(reason.message)"])
    }

    func denied(principal: String, peer: String, method: Int, reason: SkewlessError) {
        denied.add(1, ordering: .relaxed)
        logger.warning("permission denied", metadata: [
            "principal": "\(principal)", "peer": "\(peer)", "method": "\(method)", "denied": "\(reason.message)",
        ])
    }

    func rateLimited(principal: String, peer: String, nowNanos: Int64) {
        rateLimited.add(1, ordering: .relaxed)
        let last = lastRateLog.load(ordering: .relaxed)
        guard nowNanos - last >= 1_000_000_000, lastRateLog.compareExchange(expected: last, desired: nowNanos, ordering: .relaxed).exchanged else { return }
        logger.warning("rate limited", metadata: ["principal": "\(principal)", "peer": "\(peer)", "refused_so_far": "\(rateLimited.load(ordering: .relaxed))"])
    }
}
