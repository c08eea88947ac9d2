import Testing
@testable import SkewlessIngest

@Suite struct InputProblemsTests {
    @Test func atMostTwentyProblemsAreListed() {
        let csv = "user_id,event_time\n" + (1...25).map { "u\($0),now" }.joined(separator: "\n")
        let lines = Fixtures.report(csv, .csv).split(separator: "\n")
        #expect(lines.count == 21)
        #expect(lines.last == "... and 5 more")
    }
}
