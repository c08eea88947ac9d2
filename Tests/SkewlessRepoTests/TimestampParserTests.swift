import Testing

@testable import SkewlessRepo

@Suite struct TimestampParserTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0),
        ("2024-01-01T00:00:00Z", 1_704_067_200_000_000),
        ("2024-01-01", 1_704_067_200_000_000),
        ("2024-01-01t00:00:00z", 1_704_067_200_000_000),
        ("2024-01-01 00:00:00Z", 1_704_067_200_000_000),
        ("2024-01-01T02:00:00+02:00", 1_704_067_200_000_000),
        ("2023-12-31T19:30:00-04:30", 1_704_067_200_000_000),
        ("2024-01-01T00:00:00.5Z", 1_704_067_200_500_000),
        ("2024-01-01T00:00:00.000001Z", 1_704_067_200_000_001),
        ("2024-02-29T12:00:00Z", 1_709_208_000_000_000),
        ("2000-02-29T00:00:00Z", 951_782_400_000_000),
        ("1969-12-31T23:59:59Z", -1_000_000),
        ("1900-01-01T00:00:00Z", -2_208_988_800_000_000),
    ] as [(String, Int64)])
    func parses(_ text: String, _ micros: Int64) throws {
        #expect(try TimestampParser.microseconds(from: text) == micros)
    }

    @Test(arguments: [
        ("2024-01-01T00:00:00", "no UTC offset"),
        ("2024-13-01T00:00:00Z", "month 13"),
        ("2023-02-29T00:00:00Z", "day 29 is not 1 to 28"),
        ("1900-02-29", "day 29"),
        ("2024-04-31", "day 31 is not 1 to 30"),
        ("2024-01-01T24:00:00Z", "out of range"),
        ("2024-01-01T23:60:00Z", "out of range"),
        ("2024-01-01T23:59:60Z", "out of range"),
        ("2024-01-01T00:00:00.1234567Z", "microsecond precision"),
        ("2024-01-01T00:00:00.Z", "microsecond precision"),
        ("2024-01-01T00:00Z", "is not a time"),
        ("2024-1-1", "is not a time"),
        ("24-01-01", "is not a time"),
        ("2024-01-01T00:00:00+0200", "is not a time"),
        ("2024-01-01T00:00:00+25:00", "is not a time"),
        ("2024-01-01T00:00:00Z junk", "is not a time"),
        ("yesterday", "is not a time"),
        ("", "is not a time"),
    ])
    func rejects(_ text: String, _ phrase: String) {
        let problem = #expect(throws: ValueProblem.self) { try TimestampParser.microseconds(from: text) }
        #expect(problem?.message.contains(phrase) == true, "\(problem?.message ?? "no error")")
    }

    @Test func daysSinceEpochMatchesKnownDates() {
        #expect(TimestampParser.daysSinceEpoch(year: 1970, month: 1, day: 1) == 0)
        #expect(TimestampParser.daysSinceEpoch(year: 2000, month: 3, day: 1) == 11_017)
        #expect(TimestampParser.daysSinceEpoch(year: 1, month: 1, day: 1) == -719_162)
        #expect(TimestampParser.daysSinceEpoch(year: 9999, month: 12, day: 31) == 2_932_896)
    }
}
