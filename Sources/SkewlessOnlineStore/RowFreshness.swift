import SkewlessModel

/// Where a requested entity's row stands at read time: absent, or present and within or
/// past its view's TTL.
package enum RowFreshness: UInt8, Sendable, Hashable, CaseIterable {
    /// The table has no row for the key.
    case missing
    /// The row's age is at most the TTL.
    case fresh
    /// The row's age is more than the TTL.
    case stale

    /// Classifies a stored row.
    ///
    /// A row is stale when `nowMicros - eventTime > ttlSeconds * 1_000_000`. A row whose
    /// age is exactly the TTL is still **fresh**; a row with an event time in the future
    /// (negative age) is fresh. The arithmetic saturates instead of overflowing, so huge
    /// TTLs and extreme times classify sensibly.
    package init(eventTime: Int64, nowMicros: Int64, ttlSeconds: Int64) {
        self = Self.ageMicros(eventTime: eventTime, nowMicros: nowMicros) > Self.ttlMicros(ttlSeconds) ? .stale : .fresh
    }

    /// `nowMicros - eventTime`, saturated to the range of `Int64`.
    package static func ageMicros(eventTime: Int64, nowMicros: Int64) -> Int64 {
        let (age, overflow) = nowMicros.subtractingReportingOverflow(eventTime)
        guard overflow else { return age }
        return nowMicros < eventTime ? .min : .max
    }

    /// The TTL in microseconds, saturated to the range of `Int64`.
    package static func ttlMicros(_ ttlSeconds: Int64) -> Int64 {
        let (micros, overflow) = ttlSeconds.multipliedReportingOverflow(by: 1_000_000)
        guard overflow else { return micros }
        return ttlSeconds < 0 ? .min : .max
    }
}
