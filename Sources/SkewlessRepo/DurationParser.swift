import SkewlessModel

/// Parses the durations of a feature repo (`ttl: 24h`): a whole number followed by one unit,
/// or a bare whole number of seconds.
///
/// | Unit | Meaning | Example |
/// | --- | --- | --- |
/// | `s` | seconds | `90s` |
/// | `m` | minutes | `15m` |
/// | `h` | hours | `24h` |
/// | `d` | days (86 400 s) | `7d` |
/// | `w` | weeks (604 800 s) | `2w` |
///
/// No spaces, no fractions, no combinations (`1h30m`: write `90m`), units in lower case.
package enum DurationParser {
    static let units: [(unit: Character, seconds: Int64)] = [
        ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400), ("w", 604_800),
    ]

    static let formatHelp = "write a whole number and a unit s, m, h, d or w (90s, 15m, 24h, 7d, 2w), or a whole number of seconds"

    /// The duration in seconds, for command-line options written as in a repo (`--current-last 24h`).
    /// - Parameter option: how the message names the value, such as "--current-last".
    package static func seconds(from text: String, option: String) throws(SkewlessError) -> Int64 {
        do {
            return try seconds(from: text)
        } catch {
            throw SkewlessError(.invalidArgument, "\(option) '\(text)': \(error.message)")
        }
    }

    /// The duration in seconds. Zero is a valid duration; callers that need a positive one check.
    static func seconds(from text: String) throws(ValueProblem) -> Int64 {
        var digits = Substring(text)
        var multiplier: Int64 = 1
        if let last = digits.last, !last.isASCII || !last.isNumber {
            guard let unit = units.first(where: { $0.unit == last }) else {
                if let lower = units.first(where: { String($0.unit) == last.lowercased() }) {
                    throw ValueProblem("'\(text)' is not a duration: units are lower case (write \(digits.dropLast())\(lower.unit))")
                }
                throw ValueProblem("'\(text)' is not a duration: \(formatHelp)")
            }
            multiplier = unit.seconds
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw ValueProblem("'\(text)' is not a duration: \(formatHelp)")
        }
        guard let count = Int64(digits) else {
            throw ValueProblem("duration '\(text)' is too large")
        }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: multiplier)
        guard !overflow else {
            throw ValueProblem("duration '\(text)' is too large")
        }
        return seconds
    }
}
