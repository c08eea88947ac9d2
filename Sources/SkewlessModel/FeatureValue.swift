/// One feature value. Absence (null) is expressed as `FeatureValue?`, never as a case.
public enum FeatureValue: Sendable, Hashable, CustomStringConvertible {
    case bool(Bool)
    case int32(Int32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    /// Microseconds since the Unix epoch, UTC.
    case timestamp(Int64)
    case embedding([Float])
    case int64List([Int64])
    case stringList([String])

    /// Whether this value is of `type` (for embeddings, including the dimension).
    public func conforms(to type: FeatureType) -> Bool {
        switch (self, type) {
        case (.bool, .bool), (.int32, .int32), (.int64, .int64), (.float, .float), (.double, .double),
            (.string, .string), (.bytes, .bytes), (.timestamp, .timestamp), (.int64List, .int64List),
            (.stringList, .stringList):
            return true
        case (.embedding(let vector), .embedding(let dimension)):
            return vector.count == dimension
        default:
            return false
        }
    }

    /// The type of this value (for embeddings, with the vector's length as dimension).
    public var type: FeatureType {
        switch self {
        case .bool: return .bool
        case .int32: return .int32
        case .int64: return .int64
        case .float: return .float
        case .double: return .double
        case .string: return .string
        case .bytes: return .bytes
        case .timestamp: return .timestamp
        case .embedding(let vector): return .embedding(dimension: vector.count)
        case .int64List: return .int64List
        case .stringList: return .stringList
        }
    }

    /// The zero value of a type: the placeholder sent for rows that have no value.
    public static func zero(of type: FeatureType) -> FeatureValue {
        switch type {
        case .bool: return .bool(false)
        case .int32: return .int32(0)
        case .int64: return .int64(0)
        case .float: return .float(0)
        case .double: return .double(0)
        case .string: return .string("")
        case .bytes: return .bytes([])
        case .timestamp: return .timestamp(0)
        case .embedding(let dimension): return .embedding([Float](repeating: 0, count: dimension))
        case .int64List: return .int64List([])
        case .stringList: return .stringList([])
        }
    }

    public var description: String {
        switch self {
        case .bool(let v): return String(v)
        case .int32(let v): return String(v)
        case .int64(let v): return String(v)
        case .float(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let v): return v
        case .bytes(let v): return "0x" + v.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        case .timestamp(let v): return "\(v)us"
        case .embedding(let v):
            let head = v.prefix(4).map { String($0) }.joined(separator: ", ")
            return v.count > 4 ? "[\(head), ... (\(v.count))]" : "[\(head)]"
        case .int64List(let v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
        case .stringList(let v): return "[" + v.joined(separator: ", ") + "]"
        }
    }
}
