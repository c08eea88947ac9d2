/// Parses RFC 3339 times into microseconds since the Unix epoch, UTC, without Foundation's
/// date formatters (whose accepted spellings differ between platforms).
///
/// Accepted, with `T`, `t` or one space between date and time:
///
///     2024-01-01T00:00:00Z
///     2024-01-01T09:30:00.250+02:00     (fraction: 1 to 6 digits)
///     2024-01-01                        (midnight UTC)
///
/// A time needs an offset (`Z` for UTC): a time without one means different instants on
/// different machines. Leap seconds (`:60`) are rejected.
///
/// `package`: SkewlessIngest reads `event_time` and timestamp cells with it, adding its own
/// spellings (`now-30m`) in front.
package enum TimestampParser {
    static let formatHelp = "write an RFC 3339 time such as 2024-01-01T00:00:00Z (or 2024-01-01T09:30:00.5+02:00), or a whole number of microseconds since 1970-01-01T00:00:00Z"

    /// Why a text is not a time: the message quotes the text and says what to write.
    package struct Problem: Error, Sendable, Hashable {
        package var message: String

        init(_ message: String) {
            self.message = message
        }
    }

    static func microseconds(from text: String) throws(ValueProblem) -> Int64 {
        do {
            return try microseconds(from: text, formatHelp: formatHelp)
        } catch {
            throw ValueProblem(error.message)
        }
    }

    /// - Parameter formatHelp: ends the message for a text that is not a time at all: what
    ///   the caller accepts (which may be more than RFC 3339, such as microseconds or `now`).
    package static func microseconds(from text: String, formatHelp: String) throws(Problem) -> Int64 {
        var cursor = Cursor(Array(text.utf8))
        let notATime = Problem("'\(text)' is not a time: \(formatHelp)")

        guard let year = cursor.digits(4), cursor.skip("-"), let month = cursor.digits(2), cursor.skip("-"),
            let day = cursor.digits(2)
        else { throw notATime }
        guard (1...12).contains(month) else {
            throw Problem("'\(text)' is not a time: month \(month) is not 1 to 12")
        }
        let daysInMonth = Self.daysIn(month: month, year: year)
        guard (1...daysInMonth).contains(day) else {
            throw Problem("'\(text)' is not a time: day \(day) is not 1 to \(daysInMonth) in \(year)-\(month < 10 ? "0" : "")\(month)")
        }
        let days = Self.daysSinceEpoch(year: year, month: month, day: day)
        if cursor.isAtEnd {
            return days * 86_400 * 1_000_000
        }

        guard cursor.skip("T") || cursor.skip("t") || cursor.skip(" "),
            let hour = cursor.digits(2), cursor.skip(":"), let minute = cursor.digits(2), cursor.skip(":"),
            let second = cursor.digits(2)
        else { throw notATime }
        guard hour < 24, minute < 60, second < 60 else {
            throw Problem("'\(text)' is not a time: \(hour):\(minute):\(second) is out of range (hours 0-23, minutes and seconds 0-59)")
        }
        var fraction: Int64 = 0
        if cursor.skip(".") {
            let fractionDigits = cursor.digitRun()
            guard (1...6).contains(fractionDigits.count) else {
                throw Problem("'\(text)' is not a time: write 1 to 6 digits after the decimal point (timestamps have microsecond precision)")
            }
            fraction = fractionDigits.reduce(0) { $0 * 10 + Int64($1) }
            for _ in fractionDigits.count..<6 { fraction *= 10 }
        }

        let offsetSeconds: Int64
        if cursor.skip("Z") || cursor.skip("z") {
            offsetSeconds = 0
        } else if let sign = cursor.sign() {
            guard let offsetHours = cursor.digits(2), cursor.skip(":"), let offsetMinutes = cursor.digits(2),
                offsetHours < 24, offsetMinutes < 60
            else { throw notATime }
            offsetSeconds = sign * (offsetHours * 3_600 + offsetMinutes * 60)
        } else if cursor.isAtEnd {
            throw Problem("'\(text)' has no UTC offset: add Z for UTC (\(text)Z) or an offset such as +02:00")
        } else {
            throw notATime
        }
        guard cursor.isAtEnd else { throw notATime }

        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds
        return seconds * 1_000_000 + fraction
    }

    static func isLeapYear(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
    /// (Howard Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Reads ASCII from the front of the text.
    private struct Cursor {
        private let bytes: [UInt8]
        private var index = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        var isAtEnd: Bool { index == bytes.count }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        /// Exactly `count` digits, as a number.
        mutating func digits(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<(index + count)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }

        /// All the digits from here, each as a number.
        mutating func digitRun() -> [UInt8] {
            var run: [UInt8] = []
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                run.append(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            return run
        }

        /// +1 for `+`, -1 for `-`.
        mutating func sign() -> Int64? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            return nil
        }
    }
}
