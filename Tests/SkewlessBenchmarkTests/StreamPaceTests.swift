import SkewlessModel
import Testing
@testable import SkewlessBenchmark

@Suite struct StreamPaceTests {
    @Test func fiftyThousandRowsInBatchesOfFiveHundredIsOneBatchEveryTenMilliseconds() throws {
        let pace = try StreamPace(rowsPerSecond: 50_000, batchRows: 500)
        #expect(pace.batchRate == 100)
        #expect(pace.intervalNanoseconds == 10_000_000)
        let schedule = try pace.schedule(start: 1_000)
        #expect(schedule.intendedStart(of: 0) == 1_000)
        #expect(schedule.intendedStart(of: 1) == 10_001_000)
        #expect(schedule.intendedStart(of: 100) == 1_000_001_000)
        #expect(schedule.requestCount(within: 1_000_000_000) == 100)
        #expect(pace.description == "50000 rows/s (500-row batches every 10.0 ms)")
    }

    @Test func aRateThatIsNotAMultipleOfTheBatchKeepsItsAverage() throws {
        // 1,000 rows/s in batches of 300: 3.33 batches/s, due at 0, 300, 600, 900 ms ...
        let pace = try StreamPace(rowsPerSecond: 1_000, batchRows: 300)
        let schedule = try pace.schedule(start: 0)
        #expect(schedule.intendedStart(of: 1) == 300_000_000)
        #expect(schedule.intendedStart(of: 10) == 3_000_000_000)
        #expect(schedule.requestCount(within: 3_000_000_000) == 10)
    }

    @Test func refusesNoRateNoRowsAndImpossiblePaces() {
        #expect(throws: SkewlessError.self) { try StreamPace(rowsPerSecond: 0, batchRows: 500) }
        #expect(throws: SkewlessError.self) { try StreamPace(rowsPerSecond: .infinity, batchRows: 500) }
        #expect(throws: SkewlessError.self) { try StreamPace(rowsPerSecond: 50_000, batchRows: 0) }
        #expect(throws: SkewlessError.self) { try StreamPace(rowsPerSecond: 10_000_000, batchRows: 1) }
    }
}
