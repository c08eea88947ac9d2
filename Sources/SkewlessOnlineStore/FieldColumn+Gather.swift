import SkewlessModel

extension FieldColumn {
    /// The stored values and null flags of `slots`, in that order, as a batch field.
    func stored(slots: [Int]) -> FieldValues {
        switch self {
        case .bool(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .bool(values), nullRows: nulls)
        case .int32(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .int32(values), nullRows: nulls)
        case .int64(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .int64(values), nullRows: nulls)
        case .float(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .float(values), nullRows: nulls)
        case .double(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .double(values), nullRows: nulls)
        case .string(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .string(values), nullRows: nulls)
        case .bytes(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .bytes(values), nullRows: nulls)
        case .timestamp(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .timestamp(values), nullRows: nulls)
        case .embedding(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .embedding(values), nullRows: nulls)
        case .int64List(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .int64List(values), nullRows: nulls)
        case .stringList(let column):
            let (values, nulls) = column.stored(slots: slots)
            return FieldValues(values: .stringList(values), nullRows: nulls)
        }
    }
}
