/// One feature value. Absence (null) is expressed as `FeatureValue?`, never as a value.
///
/// Made with static members (`.int64(5)`, `.string("a")`, `.embedding([0.1, 0.2])`), compared
/// with `==` and read with the typed getters (`int64Value`, `doubleValue`, ...), each nil
/// when the value is of another type. A struct rather than an enum, so that a type added
/// later is a new member, not a case that breaks a `switch` in code already written against
/// this one. Branch on `type`, or on the getter you need:
///
/// ```swift
/// if let count = value.int64Value { ... }
/// else if value.type == .double { ... }
/// else if let vector = value.embeddingValue { ... }
/// ```
public struct FeatureValue: Sendable, Hashable, CustomStringConvertible {
    /// The values, for code inside the package to `switch` over (`value.storage`); users
    /// read the typed getters instead, so that adding a case breaks nobody.
    @usableFromInline
    package enum Storage: Sendable, Hashable {
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
    }

    /// The value as an enum (inside the package: `switch value.storage { ... }`).
    @usableFromInline
    package var storage: Storage

    @inlinable
    package init(_ storage: Storage) {
        self.storage = storage
    }

    @inlinable public static func bool(_ value: Bool) -> FeatureValue { FeatureValue(.bool(value)) }
    @inlinable public static func int32(_ value: Int32) -> FeatureValue { FeatureValue(.int32(value)) }
    @inlinable public static func int64(_ value: Int64) -> FeatureValue { FeatureValue(.int64(value)) }
    @inlinable public static func float(_ value: Float) -> FeatureValue { FeatureValue(.float(value)) }
    @inlinable public static func double(_ value: Double) -> FeatureValue { FeatureValue(.double(value)) }
    @inlinable public static func string(_ value: String) -> FeatureValue { FeatureValue(.string(value)) }
    @inlinable public static func bytes(_ value: [UInt8]) -> FeatureValue { FeatureValue(.bytes(value)) }
    /// A timestamp: microseconds since the Unix epoch, UTC (`timestamp(_: Date)` takes a `Date`).
    @inlinable public static func timestamp(_ microseconds: Int64) -> FeatureValue { FeatureValue(.timestamp(microseconds)) }
    /// A float32 vector; its type is `embedding(dimension: vector.count)`.
    @inlinable public static func embedding(_ vector: [Float]) -> FeatureValue { FeatureValue(.embedding(vector)) }
    @inlinable public static func int64List(_ value: [Int64]) -> FeatureValue { FeatureValue(.int64List(value)) }
    @inlinable public static func stringList(_ value: [String]) -> FeatureValue { FeatureValue(.stringList(value)) }

    /// Whether this value is of `type` (for embeddings, including the dimension).
    public func conforms(to type: FeatureType) -> Bool {
        switch (storage, type.storage) {
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
        switch storage {
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
        switch type.storage {
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
        switch storage {
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
