import Testing
@testable import SkewlessIngest

@Suite struct TimeSyntaxTests {
    let now: Int64 = 1_763_719_200_000_000  // 2025-11-21T10:00:00Z

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0),
        ("2025-11-21T10:00:00Z", 1_763_719_200_000_000),
        ("2025-11-21t10:00:00z", 1_763_719_200_000_000),
        ("2025-11-21 11:00:00+01:00", 1_763_719_200_000_000),
        ("2025-11-21T10:00:00.5Z", 1_763_719_200_500_000),
        ("2025-11-21T10:00:00.000001Z", 1_763_719_200_000_001),
        ("2025-11-21", 1_763_683_200_000_000),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000_000),
        ("1969-12-31T23:59:59Z", -1_000_000),
        ("1763719200000000", 1_763_719_200_000_000),
        ("now", 1_763_719_200_000_000),
        ("now-30m", 1_763_717_400_000_000),
        ("now-2h", 1_763_712_000_000_000),
        ("now+90s", 1_763_719_290_000_000),
        ("now-1d", 1_763_632_800_000_000),
        ("now-500ms", 1_763_719_199_500_000),
    ] as [(String, Int64)])
    func parses(text: String, micros: Int64) throws {
        #expect(try TimeSyntax.microseconds(from: text, now: now) == micros)
    }

    @Test(arguments: [
        ("2025-11-21T10:00:00", "no UTC offset"), ("2025-13-01", "month 13"), ("2025-02-29", "day 29"),
        ("2025-11-21T24:00:00Z", "hours"), ("2025-11-21T10:00:00.1234567Z", "1 to 6 digits"), ("yesterday", "not a time"),
        ("now-", "relative"), ("now-5w", "relative"), ("now30m", "relative"), ("now-1.5h", "relative"),
        ("99999999999999999999", "out of range"), ("now-9999999999999d", "too far"),
    ])
    func rejects(text: String, phrase: String) {
        do {
            let micros = try TimeSyntax.microseconds(from: text, now: now)
            Issue.record("\(text) parsed as \(micros)")
        } catch {
            #expect(error.message.contains(phrase), "\(text): \(error.message)")
        }
    }

    /// RFC 3339 is read by SkewlessRepo's `TimestampParser`; its messages end with what
    /// fsctl accepts, `now` included, rather than what a repo file does.
    @Test func notATimeSaysWhatPutAccepts() {
        do {
            let micros = try TimeSyntax.microseconds(from: "yesterday", now: now)
            Issue.record("parsed as \(micros)")
        } catch {
            #expect(error.message == "'yesterday' is not a time: \(TimeSyntax.help)")
        }
    }

    @Test(arguments: [
        (0, "1970-01-01T00:00:00Z"), (1_763_719_200_000_000, "2025-11-21T10:00:00Z"),
        (1_763_719_200_250_000, "2025-11-21T10:00:00.250Z"), (1_763_719_200_000_001, "2025-11-21T10:00:00.000001Z"),
        (-1, "1969-12-31T23:59:59.999999Z"), (951_782_400_000_000, "2000-02-29T00:00:00Z"),
    ] as [(Int64, String)])
    func formats(micros: Int64, text: String) throws {
        #expect(TimeSyntax.rfc3339(micros: micros) == text)
        #expect(try TimeSyntax.rfc3339(text) == micros)
    }

    @Test func roundTripsAcrossYears() throws {
        var micros: Int64 = -5_000_000_000_000_000
        while micros < 5_000_000_000_000_000 {
            #expect(try TimeSyntax.rfc3339(TimeSyntax.rfc3339(micros: micros)) == micros)
            micros += 86_399_999_999 * 37
        }
    }

    @Test func ages() {
        #expect(TimeSyntax.age(micros: 45_000_000) == "45s")
        #expect(TimeSyntax.age(micros: 12 * 60_000_000) == "12m")
        #expect(TimeSyntax.age(micros: 5 * 3_600_000_000) == "5h")
        #expect(TimeSyntax.age(micros: 3 * 86_400_000_000) == "3d")
        #expect(TimeSyntax.age(micros: -300_000_000) == "in 5m")
    }
}
