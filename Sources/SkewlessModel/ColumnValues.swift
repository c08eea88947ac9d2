/// N values of one type, stored as one typed array: how values travel between the wire,
/// the online store and the segment store without boxing each one.
package enum ColumnValues: Sendable, Hashable {
    case bool([Bool])
    case int32([Int32])
    case int64([Int64])
    case float([Float])
    case double([Double])
    case string([String])
    case bytes([[UInt8]])
    /// Microseconds since the Unix epoch.
    case timestamp([Int64])
    case embedding([EncodedEmbedding])
    case int64List([[Int64]])
    case stringList([[String]])

    package var count: Int {
        switch self {
        case .bool(let v): return v.count
        case .int32(let v): return v.count
        case .int64(let v): return v.count
        case .float(let v): return v.count
        case .double(let v): return v.count
        case .string(let v): return v.count
        case .bytes(let v): return v.count
        case .timestamp(let v): return v.count
        case .embedding(let v): return v.count
        case .int64List(let v): return v.count
        case .stringList(let v): return v.count
        }
    }

    /// Whether these values can be stored in a field of `type` (embeddings: the dimension too).
    package func conforms(to type: FeatureType) -> Bool {
        switch (self, type.storage) {
        case (.bool, .bool), (.int32, .int32), (.int64, .int64), (.float, .float), (.double, .double),
            (.string, .string), (.bytes, .bytes), (.timestamp, .timestamp), (.int64List, .int64List),
            (.stringList, .stringList):
            return true
        case (.embedding(let values), .embedding(let dimension)):
            return values.allSatisfy { $0.dimension == dimension }
        default:
            return false
        }
    }

    /// The name of the type held, for error messages.
    package var typeName: String {
        switch self {
        case .bool: return "bool"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float: return "float"
        case .double: return "double"
        case .string: return "string"
        case .bytes: return "bytes"
        case .timestamp: return "timestamp"
        case .embedding: return "embedding"
        case .int64List: return "int64_list"
        case .stringList: return "string_list"
        }
    }
}
