import SkewlessCompression
import SkewlessModel

/// Building, reordering and (de)serializing typed columns for segments.
extension ColumnValues {
    /// No values, of the kind of `type`.
    static func empty(of type: FeatureType) -> ColumnValues {
        placeholders(of: type, count: 0)
    }

    /// Appends a value of the column's type, or for nil (or a value of another type) the
    /// placeholder a null row keeps.
    mutating func append(_ value: FeatureValue?) {
        switch self {
        case .bool(var values):
            self = .bool([])
            if case .bool(let v)? = value?.storage { values.append(v) } else { values.append(false) }
            self = .bool(values)
        case .int32(var values):
            self = .int32([])
            if case .int32(let v)? = value?.storage { values.append(v) } else { values.append(0) }
            self = .int32(values)
        case .int64(var values):
            self = .int64([])
            if case .int64(let v)? = value?.storage { values.append(v) } else { values.append(0) }
            self = .int64(values)
        case .float(var values):
            self = .float([])
            if case .float(let v)? = value?.storage { values.append(v) } else { values.append(0) }
            self = .float(values)
        case .double(var values):
            self = .double([])
            if case .double(let v)? = value?.storage { values.append(v) } else { values.append(0) }
            self = .double(values)
        case .string(var values):
            self = .string([])
            if case .string(let v)? = value?.storage { values.append(v) } else { values.append("") }
            self = .string(values)
        case .bytes(var values):
            self = .bytes([])
            if case .bytes(let v)? = value?.storage { values.append(v) } else { values.append([]) }
            self = .bytes(values)
        case .timestamp(var values):
            self = .timestamp([])
            if case .timestamp(let v)? = value?.storage { values.append(v) } else { values.append(0) }
            self = .timestamp(values)
        case .embedding(var values):
            self = .embedding([])
            if case .embedding(let v)? = value?.storage {
                values.append(EmbeddingCodec.encode(v))
            } else {
                values.append(EncodedEmbedding(dimension: 0, isCompressed: false, bytes: []))
            }
            self = .embedding(values)
        case .int64List(var values):
            self = .int64List([])
            if case .int64List(let v)? = value?.storage { values.append(v) } else { values.append([]) }
            self = .int64List(values)
        case .stringList(var values):
            self = .stringList([])
            if case .stringList(let v)? = value?.storage { values.append(v) } else { values.append([]) }
            self = .stringList(values)
        }
    }

    /// Appends `count` placeholders (rows in which the field is null).
    mutating func appendPlaceholders(_ count: Int) {
        for _ in 0..<count { append(nil) }
    }

    /// Appends the values of `rows` of `other`, a column of the same kind.
    mutating func append(from other: ColumnValues, rows: some Sequence<Int>) {
        // `switch self` then `self = ...` leaves the bound array uniquely referenced, so
        // appending does not copy it (a switch over a tuple holding `self` would).
        switch self {
        case .bool(var a):
            guard case .bool(let b) = other else { return }
            self = .bool([])
            for r in rows { a.append(b[r]) }
            self = .bool(a)
        case .int32(var a):
            guard case .int32(let b) = other else { return }
            self = .int32([])
            for r in rows { a.append(b[r]) }
            self = .int32(a)
        case .int64(var a):
            guard case .int64(let b) = other else { return }
            self = .int64([])
            for r in rows { a.append(b[r]) }
            self = .int64(a)
        case .float(var a):
            guard case .float(let b) = other else { return }
            self = .float([])
            for r in rows { a.append(b[r]) }
            self = .float(a)
        case .double(var a):
            guard case .double(let b) = other else { return }
            self = .double([])
            for r in rows { a.append(b[r]) }
            self = .double(a)
        case .string(var a):
            guard case .string(let b) = other else { return }
            self = .string([])
            for r in rows { a.append(b[r]) }
            self = .string(a)
        case .bytes(var a):
            guard case .bytes(let b) = other else { return }
            self = .bytes([])
            for r in rows { a.append(b[r]) }
            self = .bytes(a)
        case .timestamp(var a):
            guard case .timestamp(let b) = other else { return }
            self = .timestamp([])
            for r in rows { a.append(b[r]) }
            self = .timestamp(a)
        case .embedding(var a):
            guard case .embedding(let b) = other else { return }
            self = .embedding([])
            for r in rows { a.append(b[r]) }
            self = .embedding(a)
        case .int64List(var a):
            guard case .int64List(let b) = other else { return }
            self = .int64List([])
            for r in rows { a.append(b[r]) }
            self = .int64List(a)
        case .stringList(var a):
            guard case .stringList(let b) = other else { return }
            self = .stringList([])
            for r in rows { a.append(b[r]) }
            self = .stringList(a)
        }
    }

    /// The values of `rows`, in that order.
    package func gathered(_ rows: [Int]) -> ColumnValues {
        var result = ColumnValues.empty(ofKindOf: self)
        result.reserve(rows.count)
        result.append(from: self, rows: rows)
        return result
    }

    static func empty(ofKindOf other: ColumnValues) -> ColumnValues {
        switch other {
        case .bool: return .bool([])
        case .int32: return .int32([])
        case .int64: return .int64([])
        case .float: return .float([])
        case .double: return .double([])
        case .string: return .string([])
        case .bytes: return .bytes([])
        case .timestamp: return .timestamp([])
        case .embedding: return .embedding([])
        case .int64List: return .int64List([])
        case .stringList: return .stringList([])
        }
    }

    mutating func reserve(_ capacity: Int) {
        switch self {
        case .bool(var a): self = .bool([]); a.reserveCapacity(capacity); self = .bool(a)
        case .int32(var a): self = .int32([]); a.reserveCapacity(capacity); self = .int32(a)
        case .int64(var a): self = .int64([]); a.reserveCapacity(capacity); self = .int64(a)
        case .float(var a): self = .float([]); a.reserveCapacity(capacity); self = .float(a)
        case .double(var a): self = .double([]); a.reserveCapacity(capacity); self = .double(a)
        case .timestamp(var a): self = .timestamp([]); a.reserveCapacity(capacity); self = .timestamp(a)
        default: break
        }
    }

}

extension ColumnValues {
    /// Whether both hold values of the same kind (embeddings of any dimension).
    func isSameKind(as other: ColumnValues) -> Bool {
        switch (self, other) {
        case (.bool, .bool), (.int32, .int32), (.int64, .int64), (.float, .float), (.double, .double), (.string, .string),
            (.bytes, .bytes), (.timestamp, .timestamp), (.embedding, .embedding), (.int64List, .int64List), (.stringList, .stringList):
            return true
        default:
            return false
        }
    }
}

extension ColumnValues {
    /// Copies `source[pair.source]` to `self[pair.destination]` for every pair; `source` is a
    /// column of the same kind and every destination is in range.
    mutating func scatter(from source: ColumnValues, pairs: [(destination: Int, source: Int)]) {
        switch self {
        case .bool(var a):
            guard case .bool(let b) = source else { return }
            self = .bool([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .bool(a)
        case .int32(var a):
            guard case .int32(let b) = source else { return }
            self = .int32([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .int32(a)
        case .int64(var a):
            guard case .int64(let b) = source else { return }
            self = .int64([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .int64(a)
        case .float(var a):
            guard case .float(let b) = source else { return }
            self = .float([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .float(a)
        case .double(var a):
            guard case .double(let b) = source else { return }
            self = .double([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .double(a)
        case .string(var a):
            guard case .string(let b) = source else { return }
            self = .string([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .string(a)
        case .bytes(var a):
            guard case .bytes(let b) = source else { return }
            self = .bytes([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .bytes(a)
        case .timestamp(var a):
            guard case .timestamp(let b) = source else { return }
            self = .timestamp([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .timestamp(a)
        case .embedding(var a):
            guard case .embedding(let b) = source else { return }
            self = .embedding([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .embedding(a)
        case .int64List(var a):
            guard case .int64List(let b) = source else { return }
            self = .int64List([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .int64List(a)
        case .stringList(var a):
            guard case .stringList(let b) = source else { return }
            self = .stringList([])
            for p in pairs { a[p.destination] = b[p.source] }
            self = .stringList(a)
        }
    }

    /// `count` placeholders of `type`.
    static func placeholders(of type: FeatureType, count: Int) -> ColumnValues {
        switch type.storage {
        case .bool: return .bool(Array(repeating: false, count: count))
        case .int32: return .int32(Array(repeating: 0, count: count))
        case .int64: return .int64(Array(repeating: 0, count: count))
        case .float: return .float(Array(repeating: 0, count: count))
        case .double: return .double(Array(repeating: 0, count: count))
        case .string: return .string(Array(repeating: "", count: count))
        case .bytes: return .bytes(Array(repeating: [], count: count))
        case .timestamp: return .timestamp(Array(repeating: 0, count: count))
        case .embedding: return .embedding(Array(repeating: EncodedEmbedding(dimension: 0, isCompressed: false, bytes: []), count: count))
        case .int64List: return .int64List(Array(repeating: [], count: count))
        case .stringList: return .stringList(Array(repeating: [], count: count))
        }
    }
}
