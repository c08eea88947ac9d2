import SkewlessModel

extension SegmentRows {
    /// The first `count` rows: `gathered(Array(0..<count))`, copied a column at a time.
    func prefix(_ count: Int) -> SegmentRows {
        SegmentRows(
            keys: keys.slice(0..<count),
            eventTimes: Array(eventTimes[..<count]),
            createdTimes: Array(createdTimes[..<count]),
            fields: fields.map { field in
                FieldValues(values: field.values.prefix(count), nullRows: field.nullRows.map { Array($0[..<count]) })
            })
    }
}

extension ColumnValues {
    /// The first `count` values.
    func prefix(_ count: Int) -> ColumnValues {
        switch self {
        case .bool(let v): return .bool(Array(v[..<count]))
        case .int32(let v): return .int32(Array(v[..<count]))
        case .int64(let v): return .int64(Array(v[..<count]))
        case .float(let v): return .float(Array(v[..<count]))
        case .double(let v): return .double(Array(v[..<count]))
        case .string(let v): return .string(Array(v[..<count]))
        case .bytes(let v): return .bytes(Array(v[..<count]))
        case .timestamp(let v): return .timestamp(Array(v[..<count]))
        case .embedding(let v): return .embedding(Array(v[..<count]))
        case .int64List(let v): return .int64List(Array(v[..<count]))
        case .stringList(let v): return .stringList(Array(v[..<count]))
        }
    }
}
