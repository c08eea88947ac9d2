import SkewlessModel

extension FieldColumn {
    /// Writes one field of a validated batch the bulk way (see `FeatureTable.load`): the
    /// rows `updates` to slots the table already had, in batch order as `write` does, then
    /// one new slot per entry of `appended` (the batch row whose values it gets), after the
    /// last. Values of another type than the column's (which validation rules out) are
    /// written as null, as `write` does.
    func load(_ values: FieldValues?, updates: [RowWrite], appended: [Int]) {
        switch self {
        case .bool(let column):
            Self.load(column, values, updates, appended) { if case .bool(let v) = $0 { v } else { nil } }
        case .int32(let column):
            Self.load(column, values, updates, appended) { if case .int32(let v) = $0 { v } else { nil } }
        case .int64(let column):
            Self.load(column, values, updates, appended) { if case .int64(let v) = $0 { v } else { nil } }
        case .float(let column):
            Self.load(column, values, updates, appended) { if case .float(let v) = $0 { v } else { nil } }
        case .double(let column):
            Self.load(column, values, updates, appended) { if case .double(let v) = $0 { v } else { nil } }
        case .string(let column):
            Self.load(column, values, updates, appended) { if case .string(let v) = $0 { v } else { nil } }
        case .bytes(let column):
            Self.load(column, values, updates, appended) { if case .bytes(let v) = $0 { v } else { nil } }
        case .timestamp(let column):
            Self.load(column, values, updates, appended) { if case .timestamp(let v) = $0 { v } else { nil } }
        case .embedding(let column):
            Self.load(column, values, updates, appended) { if case .embedding(let v) = $0 { v } else { nil } }
        case .int64List(let column):
            Self.load(column, values, updates, appended) { if case .int64List(let v) = $0 { v } else { nil } }
        case .stringList(let column):
            Self.load(column, values, updates, appended) { if case .stringList(let v) = $0 { v } else { nil } }
        }
    }

    private static func load<T>(_ column: TypedColumn<T>, _ values: FieldValues?, _ updates: [RowWrite], _ appended: [Int], typed: (ColumnValues) -> [T]?) {
        let source = values.flatMap { typed($0.values) }
        if !updates.isEmpty {
            column.write(source, nullRows: values?.nullRows, writes: updates, rowCount: column.count)
        }
        column.append(source, nullRows: values?.nullRows, rows: appended)
    }
}
