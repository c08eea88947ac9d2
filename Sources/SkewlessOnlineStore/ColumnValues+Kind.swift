import SkewlessModel

extension ColumnValues {
    /// Whether these values are of the kind of `type`, ignoring embedding dimensions (the
    /// batch checks those per non-null row).
    func conforms(toKindOf type: FeatureType) -> Bool {
        switch (self, type.storage) {
        case (.bool, .bool), (.int32, .int32), (.int64, .int64), (.float, .float), (.double, .double),
            (.string, .string), (.bytes, .bytes), (.timestamp, .timestamp), (.embedding, .embedding),
            (.int64List, .int64List), (.stringList, .stringList):
            return true
        default:
            return false
        }
    }
}
