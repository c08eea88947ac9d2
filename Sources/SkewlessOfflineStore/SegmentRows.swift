import SkewlessModel

/// Rows of one feature view version, column by column: what a segment stores and what a
/// row group decodes to. Fields are in view order; every row has a value or a null in each.
package struct SegmentRows: Sendable {
    package var keys: KeyColumns
    /// Microseconds since the epoch.
    package var eventTimes: [Int64]
    /// Microseconds since the epoch.
    package var createdTimes: [Int64]
    package var fields: [FieldValues]

    package init(keys: KeyColumns, eventTimes: [Int64], createdTimes: [Int64], fields: [FieldValues]) {
        self.keys = keys
        self.eventTimes = eventTimes
        self.createdTimes = createdTimes
        self.fields = fields
    }

    /// No rows, of `schema`.
    package init(schema: SegmentSchema) {
        keys = KeyColumns(joinKeys: schema.joinKeys)
        eventTimes = []
        createdTimes = []
        fields = schema.fields.map { FieldValues(values: .empty(of: $0.type), nullRows: nil) }
    }

    package var count: Int { eventTimes.count }

    /// Appends row `row` of `other`, rows of the same schema.
    mutating func append(from other: SegmentRows, row: Int) {
        keys.append(from: other.keys, row: row)
        eventTimes.append(other.eventTimes[row])
        createdTimes.append(other.createdTimes[row])
        for index in fields.indices {
            let source = other.fields[index]
            let isNull = source.nullRows?[row] ?? false
            appendNullFlag(isNull, field: index)
            fields[index].values.append(from: source.values, rows: CollectionOfOne(row))
        }
    }

    /// Appends one row; `values` has one entry per field (nil: null), each of its field's type
    /// (checked by the caller).
    mutating func append(key: EntityKey, eventTime: Int64, createdTime: Int64, values: [FeatureValue?], row: Int) throws(SkewlessError) {
        try keys.append(key, row: row)
        eventTimes.append(eventTime)
        createdTimes.append(createdTime)
        for index in fields.indices {
            let value = values[index]
            appendNullFlag(value == nil, field: index)
            fields[index].values.append(value)
        }
    }

    private mutating func appendNullFlag(_ isNull: Bool, field index: Int) {
        if isNull, fields[index].nullRows == nil {
            fields[index].nullRows = [Bool](repeating: false, count: fields[index].values.count)
        }
        fields[index].nullRows?.append(isNull)
    }

    /// The rows in (key, event time, created time) order; rows equal in all three keep
    /// their order (the later one is the later write).
    func sorted() -> SegmentRows {
        var order = Array(0..<count)
        if keys.parts.count == 1, case .int64(let ids) = keys.parts[0] {
            order.sort { a, b in
                (ids[a], eventTimes[a], createdTimes[a], a) < (ids[b], eventTimes[b], createdTimes[b], b)
            }
        } else {
            order.sort { a, b in
                let keyOrder = keys.compare(a, with: keys, b)
                if keyOrder != 0 { return keyOrder < 0 }
                return (eventTimes[a], createdTimes[a], a) < (eventTimes[b], createdTimes[b], b)
            }
        }
        if order.elementsEqual(0..<count) { return self }
        return gathered(order)
    }

    func gathered(_ rows: [Int]) -> SegmentRows {
        SegmentRows(
            keys: keys.gathered(rows),
            eventTimes: rows.map { eventTimes[$0] },
            createdTimes: rows.map { createdTimes[$0] },
            fields: fields.map { field in
                FieldValues(values: field.values.gathered(rows), nullRows: field.nullRows.map { nulls in rows.map { nulls[$0] } })
            })
    }

    /// Whether row `row` orders before row `otherRow` of `other` by (key, event time, created time).
    func orders(_ row: Int, before other: SegmentRows, _ otherRow: Int) -> Bool {
        let keyOrder = keys.compare(row, with: other.keys, otherRow)
        if keyOrder != 0 { return keyOrder < 0 }
        return (eventTimes[row], createdTimes[row]) < (other.eventTimes[otherRow], other.createdTimes[otherRow])
    }

    /// Whether the value of field `field` is null in row `row`.
    package func isNull(field: Int, row: Int) -> Bool {
        fields[field].nullRows?[row] ?? false
    }
}
