import Testing

@testable import SkewlessRepo

@Suite struct DurationParserTests {
    @Test(arguments: [
        ("90s", 90), ("15m", 900), ("24h", 86_400), ("7d", 604_800), ("2w", 1_209_600),
        ("3600", 3_600), ("0", 0), ("0s", 0), ("1", 1), ("007m", 420),
    ] as [(String, Int64)])
    func parses(_ text: String, _ seconds: Int64) throws {
        #expect(try DurationParser.seconds(from: text) == seconds)
    }

    @Test(arguments: [
        ("", "is not a duration"), ("h", "is not a duration"), ("24 h", "is not a duration"),
        (" 24h", "is not a duration"), ("1.5h", "is not a duration"), ("-5m", "is not a duration"),
        ("+5m", "is not a duration"), ("1h30m", "is not a duration"), ("10y", "is not a duration"),
        ("10ms", "is not a duration"), ("٣h", "is not a duration"), ("24H", "units are lower case (write 24h)"),
        ("99999999999999999999s", "too large"), ("99999999999999w", "too large"),
    ])
    func rejects(_ text: String, _ phrase: String) {
        let problem = #expect(throws: ValueProblem.self) { try DurationParser.seconds(from: text) }
        #expect(problem?.message.contains(phrase) == true, "\(problem?.message ?? "no error")")
    }
}
