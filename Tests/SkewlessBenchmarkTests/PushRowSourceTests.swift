import SkewlessModel
import Testing
@testable import SkewlessBenchmark

@Suite struct PushRowSourceTests {
    @Test func theSameBatchIndexGivesTheSameRows() throws {
        let source = try PushRowSource(rowsPerBatch: 100, fieldCount: 10, keySpace: 1_000, seed: 7)
        #expect(source.batch(3) == source.batch(3))
        #expect(try PushRowSource(rowsPerBatch: 100, fieldCount: 10, keySpace: 1_000, seed: 7).batch(3) == source.batch(3))
        #expect(source.batch(3).values != source.batch(4).values)
        #expect(source.batch(3).values != (try PushRowSource(rowsPerBatch: 100, fieldCount: 10, keySpace: 1_000, seed: 8)).batch(3).values)
    }

    @Test func batchesTakeConsecutiveIdsCyclingOverTheKeySpace() throws {
        let source = try PushRowSource(rowsPerBatch: 4, fieldCount: 2, keySpace: 10, firstID: 100)
        #expect(source.batch(0).ids == [100, 101, 102, 103])
        #expect(source.batch(1).ids == [104, 105, 106, 107])
        #expect(source.batch(2).ids == [108, 109, 100, 101])
        #expect(source.batch(5).ids == source.batch(0).ids)
    }

    @Test func everyRowHasOneFloatPerFieldWithinMinusOneToOne() throws {
        let batch = try PushRowSource(rowsPerBatch: 500, fieldCount: 10, keySpace: 1_000_000).batch(0)
        #expect(batch.rowCount == 500)
        #expect(batch.values.count == 5_000)
        #expect(batch.row(499).count == 10)
        #expect(Array(batch.row(1)) == Array(batch.values[10..<20]))
        #expect(batch.values.allSatisfy { (-1...1).contains($0) })
        // Not a constant: the values spread over the range.
        #expect(batch.values.min()! < -0.9 && batch.values.max()! > 0.9)
    }

    @Test func unitFloatCoversBothEnds() {
        #expect(PushRowSource.unitFloat(0) == -1)
        #expect(PushRowSource.unitFloat(.max) == 1)
    }

    @Test func refusesEmptyBatchesAndKeySpaces() {
        #expect(throws: SkewlessError.self) { try PushRowSource(rowsPerBatch: 0, fieldCount: 10, keySpace: 10) }
        #expect(throws: SkewlessError.self) { try PushRowSource(rowsPerBatch: 10, fieldCount: 0, keySpace: 10) }
        #expect(throws: SkewlessError.self) { try PushRowSource(rowsPerBatch: 10, fieldCount: 10, keySpace: 0) }
        #expect(throws: SkewlessError.self) { try PushRowSource(rowsPerBatch: 10, fieldCount: 10, keySpace: 10, firstID: 0) }
    }

    @Test func roundsShareTheRowsInWholeBatches() {
        // 10 batches of 1,000 over 4 rounds: 3, 3, 2, 2.
        #expect((0..<4).map { PushComparison.batches(ofRound: $0, rows: 10_000, rowsPerBatch: 1_000, rounds: 4) } == [3, 3, 2, 2])
        // A partial batch is rounded up to a whole one.
        #expect((0..<2).map { PushComparison.batches(ofRound: $0, rows: 10_001, rowsPerBatch: 1_000, rounds: 2) } == [6, 5])
    }
}
