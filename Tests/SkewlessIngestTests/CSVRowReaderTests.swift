import Testing
@testable import SkewlessIngest

@Suite struct CSVRowReaderTests {
    @Test func fieldCountMismatch() {
        let report = Fixtures.report("user_id,event_time\n1,now,extra\n", .csv)
        #expect(report == "data.csv: row 1 (line 2): 3 fields, but the header has 2 columns (a field holding a comma must be in double quotes)")
    }

    @Test func csvSyntaxErrorStops() {
        let report = Fixtures.report("user_id,event_time\n1,\"now\n", .csv)
        #expect(report.hasPrefix("data.csv: line 2: CSV syntax: the quoted field starting on this line is never closed"))
    }

    @Test func semicolonSeparatedFileGetsAHint() {
        #expect(Fixtures.report("user_id;event_time\n1;now\n", .csv).contains("looks separated by semicolons"))
    }

    @Test func emptyFile() {
        #expect(Fixtures.report("", .csv).contains("the file is empty"))
        #expect(Fixtures.report("user_id,event_time\n", .csv) == "ok: 0 rows")
    }
}
