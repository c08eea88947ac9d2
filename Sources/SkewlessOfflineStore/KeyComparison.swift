/// Compares the keys of stored rows with each other and with the keys of label rows (in
/// their sorted order). Two forms, so that the common single int64 key compares plain
/// integers on the join's hot path.
protocol KeyComparison {
    /// -1, 0 or 1 as row `row`'s key orders before, equal to or after label `label`'s.
    func compare(row: Int, label: Int) -> Int
    func sameKey(row: Int, as other: Int) -> Bool
}

struct Int64KeyComparison: KeyComparison {
    let rows: UnsafeBufferPointer<Int64>
    let labels: UnsafeBufferPointer<Int64>

    @inline(__always)
    func compare(row: Int, label: Int) -> Int {
        let a = rows[row], b = labels[label]
        return a < b ? -1 : a == b ? 0 : 1
    }

    @inline(__always)
    func sameKey(row: Int, as other: Int) -> Bool {
        rows[row] == rows[other]
    }
}

struct ColumnsKeyComparison: KeyComparison {
    let rows: KeyColumns
    let labels: KeyColumns

    func compare(row: Int, label: Int) -> Int {
        rows.compare(row, with: labels, label)
    }

    func sameKey(row: Int, as other: Int) -> Bool {
        rows.compare(row, with: rows, other) == 0
    }
}
