extension TypedColumn {
    /// The stored values of `slots`, in that order (null rows give `vacant`), and their null
    /// flags: nil when none of them is null. The shape a `WriteBatch` field takes, so a table
    /// can be rebuilt from some of its rows.
    func stored(slots: [Int]) -> (values: [Element], nullRows: [Bool]?) {
        var output: [Element] = []
        output.reserveCapacity(slots.count)
        var nullRows: [Bool] = []
        for (position, slot) in slots.enumerated() {
            output.append(values[slot])
            if nulls[slot] {
                if nullRows.isEmpty {
                    nullRows = [Bool](repeating: false, count: slots.count)
                }
                nullRows[position] = true
            }
        }
        return (output, nullRows.isEmpty ? nil : nullRows)
    }
}
