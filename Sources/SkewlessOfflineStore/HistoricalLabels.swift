import SkewlessModel

/// The label rows of a training set: for each, the values of join keys and the time T at
/// which its features are wanted. Rows are kept in this order in the result, duplicates too.
package struct HistoricalLabels: Sendable {
    /// Join key name -> one value per label row. Must hold every join key of every view asked for.
    package var keys: [String: KeyColumn]
    /// Microseconds since the epoch, one per label row.
    package var times: [Int64]

    package init(keys: [String: KeyColumn], times: [Int64]) {
        self.keys = keys
        self.times = times
    }

    package var count: Int { times.count }

    /// The labels' keys for a view's join keys, as key columns in its key order.
    func keyColumns(for joinKeys: [JoinKey], view: FeatureView) throws(SkewlessError) -> KeyColumns {
        var parts: [KeyColumn] = []
        for key in joinKeys {
            guard let column = keys[key.name] else {
                throw SkewlessError(.invalidArgument, "the labels have no column '\(key.name)', a join key of \(view.qualifiedName): add it (labels need every join key of every view of the service)")
            }
            guard column.type == key.type, column.count == count else {
                throw SkewlessError(.invalidArgument, "the labels' column '\(key.name)' must hold one \(key.type.rawValue) per label row")
            }
            parts.append(column)
        }
        return KeyColumns(parts: parts)
    }
}
