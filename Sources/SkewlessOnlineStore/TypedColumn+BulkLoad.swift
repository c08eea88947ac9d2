extension TypedColumn {
    /// Appends one row slot per entry of `rows`, after the last: slot `count + i` gets the
    /// value of batch row `rows[i]`, or a null. The bulk counterpart of `write` for slots a
    /// batch adds (see `FeatureTable.load`): the values are copied a chunk at a time, and
    /// when `rows` is a run of consecutive batch rows (a rebuild), straight from `source`.
    ///
    /// The column ends exactly as `write` leaves it for the same rows: null rows hold
    /// `vacant`, the bitmap marks them, the heap accounting counts the stored values.
    /// - Parameters:
    ///   - source: the batch's values for this field, one per batch row; nil when the field
    ///     is null in every row.
    ///   - nullRows: nil when no row is null, else one flag per batch row.
    ///   - rows: batch rows, each within `source`.
    func append(_ source: [Element]?, nullRows: [Bool]?, rows: [Int]) {
        guard let first = rows.first else { return }
        let start = values.count
        guard let source else {
            values.append(repeating: vacant, count: rows.count)
            nulls.append(repeating: true, count: rows.count)
            return
        }
        let isRun = rows[rows.count - 1] - first == rows.count - 1 && Self.ascendsByOne(rows)
        if let nullRows {
            values.append(contentsOf: rows.lazy.map { nullRows[$0] ? self.vacant : source[$0] })
            nulls.append(repeating: false, count: rows.count)
            for (position, row) in rows.enumerated() where nullRows[row] {
                nulls[start + position] = true
            }
        } else if isRun {
            values.append(contentsOf: source[first..<first + rows.count])
            nulls.append(repeating: false, count: rows.count)
        } else {
            values.append(contentsOf: rows.lazy.map { source[$0] })
            nulls.append(repeating: false, count: rows.count)
        }
        if Element.hasHeapStorage {
            let vacantBytes = vacant.heapBytes
            for row in rows where !(nullRows?[row] ?? false) {
                elementHeapBytes += source[row].heapBytes - vacantBytes
            }
        }
    }

    /// Whether every entry is one more than the one before.
    private static func ascendsByOne(_ rows: [Int]) -> Bool {
        rows.withUnsafeBufferPointer { buffer in
            var index = 1
            while index < buffer.count {
                if buffer[index] != buffer[index - 1] &+ 1 { return false }
                index += 1
            }
            return true
        }
    }
}
