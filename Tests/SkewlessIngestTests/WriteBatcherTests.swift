import Testing
@testable import SkewlessIngest

@Suite struct WriteBatcherTests {
    /// The batcher's clock is whatever instants it is given: these are all it sees.
    let t0 = ContinuousClock.now

    func batcher(rows: Int = 3, bytes: Int = .max, waitMillis: Int = 5, inFlight: Int = 2) -> WriteBatcher<Int> {
        WriteBatcher(limits: .init(maxRows: rows, maxBytes: bytes, maxWait: .milliseconds(waitMillis), maxInFlight: inFlight))
    }

    @Test func aBatchGoesAsSoonAsItHasMaxRows() {
        var batcher = batcher(rows: 3)
        for row in 1...2 { batcher.append(row, byteCount: 10, now: t0) }
        #expect(batcher.next(now: t0) == nil)
        batcher.append(3, byteCount: 10, now: t0)
        let batch = batcher.next(now: t0)
        #expect(batch?.rows == [1, 2, 3])
        #expect(batch?.number == 1)
        #expect(batch?.byteCount == 30)
        #expect(batcher.inFlight == 1)
    }

    @Test func aLoneRowGoesWhenItHasWaitedMaxWait() {
        var batcher = batcher(rows: 10_000, waitMillis: 5)
        batcher.append(1, byteCount: 10, now: t0)
        #expect(batcher.deadline == t0 + .milliseconds(5))
        // A later row does not push the deadline back: it is the first row's wait.
        batcher.append(2, byteCount: 10, now: t0 + .milliseconds(4))
        #expect(batcher.next(now: t0 + .milliseconds(4)) == nil)
        #expect(batcher.next(now: t0 + .milliseconds(5))?.rows == [1, 2])
        #expect(batcher.deadline == nil)
    }

    @Test func theByteBudgetClosesABatchBeforeItOverflows() {
        var batcher = batcher(rows: 100, bytes: 100, inFlight: 4)
        batcher.append(1, byteCount: 60, now: t0)
        batcher.append(2, byteCount: 60, now: t0)  // would pass 100: row 1 goes alone
        #expect(batcher.next(now: t0)?.rows == [1])
        batcher.append(3, byteCount: 500, now: t0)  // a row over the budget alone still goes
        #expect(batcher.next(now: t0)?.rows == [2])
        #expect(batcher.next(now: t0)?.rows == [3])  // full by bytes: no wait
    }

    @Test func noMoreThanMaxInFlightAndReadingStopsOnceAFullBatchWaits() {
        var batcher = batcher(rows: 1, inFlight: 2)
        var sent: [[Int]] = []
        for row in 1...2 {
            batcher.append(row, byteCount: 1, now: t0)
            while let batch = batcher.next(now: t0) { sent.append(batch.rows) }
        }
        #expect(sent == [[1], [2]])
        #expect(batcher.acceptsRows)
        batcher.append(3, byteCount: 1, now: t0)
        #expect(batcher.next(now: t0 + .seconds(1)) == nil)  // both slots busy, however late
        #expect(batcher.inFlight == 2)
        #expect(!batcher.acceptsRows)  // back-pressure: the caller stops reading
        #expect(batcher.deadline == nil)  // nothing for a timer to do: an acknowledgement is
        batcher.completed()
        #expect(batcher.next(now: t0)?.rows == [3])
        #expect(batcher.acceptsRows)
        #expect(batcher.inFlight == 2)
    }

    @Test func aDueBatchKeepsTakingRowsWhileEverySlotIsBusy() {
        var batcher = batcher(rows: 100, waitMillis: 5, inFlight: 1)
        batcher.append(1, byteCount: 1, now: t0)
        #expect(batcher.next(now: t0 + .milliseconds(5))?.rows == [1])
        batcher.append(2, byteCount: 1, now: t0 + .milliseconds(6))
        batcher.append(3, byteCount: 1, now: t0 + .milliseconds(20))
        #expect(batcher.next(now: t0 + .milliseconds(20)) == nil)
        #expect(batcher.acceptsRows)  // the open batch is not full: reading goes on
        batcher.completed()
        #expect(batcher.next(now: t0 + .milliseconds(21))?.rows == [2, 3])
    }

    @Test func flushClosesTheOpenBatchWhateverItsAge() {
        var batcher = batcher(rows: 100, waitMillis: 1_000)
        batcher.append(1, byteCount: 1, now: t0)
        batcher.flush()
        #expect(batcher.next(now: t0)?.rows == [1])
        #expect(!batcher.isIdle)
        batcher.completed()
        #expect(batcher.isIdle)
    }

    @Test func discardingDropsWhatWasNotSentAndKeepsWhatIsInFlight() {
        var batcher = batcher(rows: 2, inFlight: 1)
        for row in 1...5 { batcher.append(row, byteCount: 1, now: t0) }
        #expect(batcher.next(now: t0)?.rows == [1, 2])
        #expect(batcher.unsentRowCount == 3)
        let dropped = batcher.discardUnsent()
        #expect(dropped.count == 3)
        #expect(dropped.first == 3)
        #expect(batcher.inFlight == 1)
        batcher.completed()
        #expect(batcher.isIdle)
    }
}
