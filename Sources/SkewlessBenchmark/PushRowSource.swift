import SkewlessModel

/// The rows fsbench pushes: batch `index` holds `rowsPerBatch` consecutive entity ids,
/// cycling over `firstID ..< firstID + keySpace`, and `fieldCount` floats per row in -1...1,
/// drawn from the seed and the batch index alone. Every target is handed the same batch
/// indexes, so the node and Redis take exactly the same rows, and a run can be repeated.
///
/// Ids cycle over a bounded key space so a long push updates entities instead of growing
/// every target's memory without end (a stream of events updates a fixed population).
package struct PushRowSource: Sendable, Hashable {
    package let rowsPerBatch: Int
    package let fieldCount: Int
    package let keySpace: Int
    package let firstID: Int64
    package let seed: UInt64

    package init(rowsPerBatch: Int, fieldCount: Int, keySpace: Int, firstID: Int64 = 1, seed: UInt64 = 42) throws(SkewlessError) {
        guard rowsPerBatch >= 1, fieldCount >= 1 else {
            throw SkewlessError(.invalidArgument, "a batch needs at least one row of at least one field; got \(rowsPerBatch) rows of \(fieldCount) fields")
        }
        guard (1...(1 << 40)).contains(keySpace), firstID >= 1 else {
            throw SkewlessError(.invalidArgument, "the key space must be between 1 and 2^40 entities from an id of at least 1; got \(keySpace) from \(firstID)")
        }
        self.rowsPerBatch = rowsPerBatch
        self.fieldCount = fieldCount
        self.keySpace = keySpace
        self.firstID = firstID
        self.seed = seed
    }

    /// The entity id of row `row` of batch `index`.
    package func id(batch index: Int, row: Int) -> Int64 {
        let position = (UInt64(index) &* UInt64(rowsPerBatch) &+ UInt64(row)) % UInt64(keySpace)
        return firstID + Int64(position)
    }

    /// Batch `index` (0 or more).
    package func batch(_ index: Int) -> PushBatch {
        var rng = SplitMix64(seed: seed ^ (UInt64(index) &* 0xA24B_AED4_963E_E407))
        let ids = (0..<rowsPerBatch).map { id(batch: index, row: $0) }
        let values = [Float](unsafeUninitializedCapacity: rowsPerBatch * fieldCount) { buffer, count in
            for i in 0..<buffer.count { buffer[i] = Self.unitFloat(rng.next()) }
            count = buffer.count
        }
        return PushBatch(index: index, ids: ids, fieldCount: fieldCount, values: values)
    }

    /// A float in -1...1 from the top 24 bits of a random word (cheaper than
    /// `Float.random(in:using:)`, which the generator would otherwise spend most of its time in).
    static func unitFloat(_ bits: UInt64) -> Float {
        Float(bits >> 40) * (2 / Float((1 << 24) - 1)) - 1
    }
}

/// One batch of rows: entity ids and their values, row after row.
package struct PushBatch: Sendable, Hashable {
    package let index: Int
    package let ids: [Int64]
    package let fieldCount: Int
    /// `ids.count * fieldCount` values: row 0's fields, then row 1's, ...
    package let values: [Float]

    package init(index: Int, ids: [Int64], fieldCount: Int, values: [Float]) {
        precondition(values.count == ids.count * fieldCount, "a batch holds one value per row and field")
        self.index = index
        self.ids = ids
        self.fieldCount = fieldCount
        self.values = values
    }

    package var rowCount: Int { ids.count }

    /// The values of one row.
    package func row(_ row: Int) -> ArraySlice<Float> {
        values[row * fieldCount..<(row + 1) * fieldCount]
    }
}
