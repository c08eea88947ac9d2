import Testing
@testable import SkewlessModel
@testable import SkewlessOnlineStore

/// The row-by-row storage of bool, float and double fields.
@Suite struct RowBlockTests {
    @Test func layoutAlignsEachValueToItsWidth() {
        let fields = [
            Field(name: "b", type: .bool), Field(name: "f", type: .float), Field(name: "s", type: .string),
            Field(name: "d", type: .double), Field(name: "g", type: .float), Field(name: "i", type: .int64),
        ]
        let (offsets, stride) = RowBlock.layout(of: fields)
        #expect(offsets == [16, 8, nil, 0, 12, nil])
        #expect(stride == 17)
        #expect(RowBlock(stride: stride).stride == 24, "records are a multiple of 8 bytes")
        #expect(RowBlock.layout(of: [Field(name: "s", type: .string)]).stride == 0)
    }

    @Test func valuesSurviveGrowthAcrossChunksAndNewRecordsAreZero() {
        let block = RowBlock(stride: 16)
        var doubles = SlotValues<Double>(block: block, offset: 0)
        var floats = SlotValues<Float>(block: block, offset: 8)
        var bools = SlotValues<Bool>(block: block, offset: 12)
        let rows = 2 * RowBlock.chunkRows + 37
        // Grown a little at a time (the last chunk doubles, then chunks are added), one
        // field ahead of the others as a table's write grows them in turn.
        for start in stride(from: 0, to: rows, by: 500) {
            let end = min(rows, start + 500)
            doubles.append(contentsOf: (start..<end).map { Double($0) * 1.5 })
            #expect(floats.count == start && block.rows == end)
            #expect(floats[start] == 0 && !bools[start], "a new record is zero for the fields not yet written")
            floats.append(contentsOf: (start..<end).map { Float($0) })
            bools.append(repeating: true, count: end - start)
        }
        #expect(doubles.count == rows && floats.count == rows && bools.count == rows)
        for row in [0, 1, 4095, 4096, 4097, 8191, 8192, rows - 1] {
            #expect(doubles[row] == Double(row) * 1.5 && floats[row] == Float(row) && bools[row])
        }
        floats[4096] = -1
        bools[4096] = false
        #expect(floats[4096] == -1 && !bools[4096] && doubles[4096] == 4096 * 1.5, "a write touches its own field only")
        #expect(block.allocatedBytes >= rows * 16)
        #expect(floats.allocatedBytes == 0, "the table counts the block, not each field")
    }
}
