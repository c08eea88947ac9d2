/// The check that a time given as microseconds since the epoch is one: a number of seconds,
/// milliseconds or nanoseconds read as microseconds lands in 1970 or past 2100, and every
/// row would silently be matched against the wrong moment. `fsctl ingest`, `fsctl
/// historical`'s labels and the node's INGEST and GET_HISTORICAL_FEATURES all refuse such a
/// time with this one message, which names the unit the number looks like.
package enum PlausibleTime {
    /// Times before this (1973-03-03) are taken for seconds or milliseconds.
    package static let earliestMicros: Int64 = 100_000_000_000_000
    /// ... and after this (2100-01-01), for nanoseconds.
    package static let latestMicros: Int64 = 4_102_444_800_000_000

    /// - Throws: `InvalidValue` naming the time as read and the unit it looks like.
    package static func check(_ micros: Int64) throws(InvalidValue) {
        if let message = problem(micros) { throw InvalidValue(message) }
    }

    /// What is wrong with `micros` as a time, or nil when it is plausible.
    package static func problem(_ micros: Int64) -> String? {
        if micros < earliestMicros {
            let unit = micros >= 100_000_000 && micros < 100_000_000_000 ? "seconds" : micros >= 100_000_000_000 ? "milliseconds" : nil
            return "\(micros) is \(TimeSyntax.rfc3339(micros: micros)) when read as microseconds\(unit.map { ", and looks like \($0)" } ?? ""): times are microseconds since the epoch (or write an RFC 3339 time)"
        }
        if micros > latestMicros {
            return "\(micros) is after the year 2100 when read as microseconds\(micros >= 100_000_000_000_000_000 ? " and looks like nanoseconds" : ""): times are microseconds since the epoch"
        }
        return nil
    }
}
