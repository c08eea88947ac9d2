import SkewlessModel

/// Typed passes over key columns, for reading many rows of a segment at once.
extension KeyColumns {
    /// Where each run of rows with equal keys starts, in row order, then `count`: run `i`
    /// is `bounds[i]..<bounds[i + 1]`. Empty when there are no rows. A single int64 key is
    /// scanned as a plain buffer; other keys compare row by row as `compare` does.
    func runBounds() -> [Int] {
        let rowCount = count
        guard rowCount > 0 else { return [] }
        var bounds: [Int] = [0]
        if parts.count == 1, case .int64(let ids) = parts[0] {
            ids.withUnsafeBufferPointer { ids in
                for row in 1..<rowCount where ids[row] != ids[row - 1] {
                    bounds.append(row)
                }
            }
        } else {
            for row in 1..<rowCount where compare(row, with: self, row - 1) != 0 {
                bounds.append(row)
            }
        }
        bounds.append(rowCount)
        return bounds
    }

    /// The entity key of every row, in order (`key(at:)` of each row, without dispatching
    /// on the column's type per row for single-part keys).
    func entityKeys() -> [EntityKey] {
        if parts.count == 1 {
            switch parts[0] {
            case .int64(let ids): return ids.map { EntityKey(.int64($0)) }
            case .string(let texts): return texts.map { EntityKey(.string($0)) }
            }
        }
        return (0..<count).map { key(at: $0) }
    }
}
