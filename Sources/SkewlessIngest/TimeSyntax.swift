import SkewlessRepo

/// The spellings of a point in time that `fsctl put` accepts for `event_time`,
/// `created_time` and timestamp fields, and the RFC 3339 form it prints.
///
/// | Written as | Means |
/// | --- | --- |
/// | `1763719200000000` | microseconds since 1970-01-01T00:00:00Z |
/// | `2026-11-21T10:00:00Z`, `2026-11-21T11:00:00.250+01:00` | an RFC 3339 time (fraction: 1 to 6 digits; an offset is required) |
/// | `2026-11-21` | midnight UTC of that day |
/// | `now` | the moment the command started (the same instant for every row) |
/// | `now-30m`, `now-2h`, `now+90s` | that moment shifted by a whole number of `ms`, `s`, `m`, `h` or `d` |
///
/// The relative forms exist for sample data: a file with `now-5m` loads fresh rows on any
/// day, where a fixed time would fall outside a view's TTL a day later.
package enum TimeSyntax {
    package static let help = "write microseconds since the epoch, an RFC 3339 time such as 2026-11-21T10:00:00Z, or now / now-30m (units ms, s, m, h, d)"

    /// Parses any spelling of the table above; `now` is the instant `now` and `now-...` mean.
    package static func microseconds(from text: String, now: Int64) throws(InvalidValue) -> Int64 {
        if text.hasPrefix("now") {
            return try relative(text, now: now)
        }
        if looksLikeInteger(text) {
            guard let micros = Int64(text) else {
                throw InvalidValue("'\(text)' is out of range for a time in microseconds (it does not fit in an int64)")
            }
            return micros
        }
        return try rfc3339(text)
    }

    /// Whether `text` is an optional sign followed by one or more ASCII digits.
    static func looksLikeInteger(_ text: String) -> Bool {
        var digits = Substring(text)
        if let first = digits.first, first == "+" || first == "-" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    // MARK: - now, now-30m

    private static let unitMicros: [(suffix: String, micros: Int64)] = [
        ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000), ("d", 86_400_000_000),
    ]

    private static func relative(_ text: String, now: Int64) throws(InvalidValue) -> Int64 {
        let rest = text.dropFirst(3)
        if rest.isEmpty { return now }
        let bad = InvalidValue("'\(text)' is not a relative time: write now, or now-N or now+N with N a whole number followed by ms, s, m, h or d (now-30m, now-2h)")
        guard let sign = rest.first, sign == "-" || sign == "+" else { throw bad }
        let amountAndUnit = rest.dropFirst()
        // "ms" before "m" and "s": the longest suffix that leaves only digits.
        for (suffix, micros) in unitMicros where amountAndUnit.hasSuffix(suffix) {
            let digits = amountAndUnit.dropLast(suffix.count)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
                continue
            }
            guard let amount = Int64(digits) else { throw bad }
            let (offset, overflow) = amount.multipliedReportingOverflow(by: micros)
            let (result, overflow2) = sign == "-" ? now.subtractingReportingOverflow(offset) : now.addingReportingOverflow(offset)
            guard !overflow, !overflow2 else {
                throw InvalidValue("'\(text)' is too far from now to be a time")
            }
            return result
        }
        throw bad
    }

    // MARK: - RFC 3339

    /// `YYYY-MM-DD`, or `YYYY-MM-DD(T|t| )HH:MM:SS[.f{1,6}](Z|z|+HH:MM|-HH:MM)`: SkewlessRepo's
    /// `TimestampParser`, the parser of the repo's timestamp defaults, so that a time means
    /// the same in a repo file and in an input file.
    static func rfc3339(_ text: String) throws(InvalidValue) -> Int64 {
        do {
            return try TimestampParser.microseconds(from: text, formatHelp: help)
        } catch {
            throw InvalidValue(error.message)
        }
    }

    /// RFC 3339 in UTC: `2026-11-21T10:00:00Z`, with `.mmm` or `.uuuuuu` when the time has them.
    package static func rfc3339(micros: Int64) -> String {
        let (days, dayMicros) = floorDivide(micros, 86_400_000_000)
        let (year, month, day) = civil(fromDays: days)
        let secondOfDay = dayMicros / 1_000_000
        let fraction = dayMicros % 1_000_000
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if fraction != 0 {
            text += fraction % 1_000 == 0 ? "." + pad(fraction / 1_000, 3) : "." + pad(fraction, 6)
        }
        return text + "Z"
    }

    /// A short age such as `45s`, `12m`, `3h`, `2d` (negative ages: `in 5m`).
    static func age(micros: Int64) -> String {
        let seconds = micros / 1_000_000
        if seconds < 0 { return "in " + age(micros: -micros) }
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 2 * 3_600 { return "\(seconds / 60)m" }
        if seconds < 2 * 86_400 { return "\(seconds / 3_600)h" }
        return "\(seconds / 86_400)d"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        return sign + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = a / b
        var remainder = a % b
        if remainder < 0 {
            quotient -= 1
            remainder += b
        }
        return (quotient, remainder)
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
