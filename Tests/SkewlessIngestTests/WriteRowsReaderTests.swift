import Testing
@testable import SkewlessIngest

@Suite struct WriteRowsReaderTests {
    @Test func headerProblemsAreReportedOnce() {
        let csv = "user_id,txn_cnt_24h,txn_count_24h,txn_count_24h\n1,2,3,4\n5,6,7,8\n"
        let report = Fixtures.report(csv, .csv)
        #expect(report.contains("data.csv: header, column 'txn_cnt_24h': not a join key or field of user_transactions@1 (did you mean 'txn_count_24h'?)"))
        #expect(report.contains("data.csv: header, column 'txn_count_24h': the column appears twice"))
        #expect(report.contains("data.csv: header, column 'event_time': missing"))
        #expect(report.split(separator: "\n").count == 3)
    }
}
