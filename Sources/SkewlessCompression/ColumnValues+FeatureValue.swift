import SkewlessModel

extension ColumnValues {
    /// The value at `row` as a `FeatureValue`, embeddings decoded (for people, tests and
    /// the SDK's accessors; the hot paths never box values).
    /// - Throws: `EmbeddingCodec.decode`'s error for an embedding whose bytes do not fit its dimension.
    package func value(at row: Int) throws(SkewlessError) -> FeatureValue {
        switch self {
        case .bool(let v): return .bool(v[row])
        case .int32(let v): return .int32(v[row])
        case .int64(let v): return .int64(v[row])
        case .float(let v): return .float(v[row])
        case .double(let v): return .double(v[row])
        case .string(let v): return .string(v[row])
        case .bytes(let v): return .bytes(v[row])
        case .timestamp(let v): return .timestamp(v[row])
        case .embedding(let v): return .embedding(try EmbeddingCodec.decode(v[row]))
        case .int64List(let v): return .int64List(v[row])
        case .stringList(let v): return .stringList(v[row])
        }
    }
}
