import Foundation
import SkewlessModel

/// How to read a feature's values as one Swift type: `.float`, `.int64`, `.embedding`,
/// `.timestamp` (as a `Date`), ... Pass one to `OnlineFeatures.Row.value(_:as:)`, which tells
/// a missing value (nil) from a feature of another type (an error):
///
/// ```swift
/// let row = features[0]
/// if let amount = try row.value("user_transactions:txn_amount_24h", as: .double) { ... }
/// let since = try row.value("user_profile:signup_time", as: .timestamp)   // Date?
/// ```
///
/// A struct with static members rather than an enum, so that a feature type added later is
/// a new member, not a case that breaks a `switch` in code already written against this one.
public struct FeatureRead<Value: Sendable>: Sendable, CustomStringConvertible {
    /// What the reader is called in errors: "float", "timestamp", ...
    public let description: String
    let accepts: @Sendable (FeatureType) -> Bool
    let read: @Sendable (OnlineFeatures.Row, Int) -> Value?

    init(_ description: String, accepts: @escaping @Sendable (FeatureType) -> Bool, read: @escaping @Sendable (OnlineFeatures.Row, Int) -> Value?) {
        self.description = description
        self.accepts = accepts
        self.read = read
    }

    /// Whether a feature of `type` can be read this way.
    public func canRead(_ type: FeatureType) -> Bool { accepts(type) }
}

extension FeatureRead where Value == Bool {
    public static var bool: Self { Self("bool", accepts: { $0 == .bool }, read: { $0.bool(at: $1) }) }
}

extension FeatureRead where Value == Int32 {
    public static var int32: Self { Self("int32", accepts: { $0 == .int32 }, read: { $0.int32(at: $1) }) }
}

extension FeatureRead where Value == Int64 {
    public static var int64: Self { Self("int64", accepts: { $0 == .int64 }, read: { $0.int64(at: $1) }) }
    /// A timestamp feature as microseconds since the Unix epoch (the wire's unit).
    public static var timestampMicros: Self { Self("timestamp", accepts: { $0 == .timestamp }, read: { $0.timestamp(at: $1) }) }
}

extension FeatureRead where Value == Float {
    public static var float: Self { Self("float", accepts: { $0 == .float }, read: { $0.float(at: $1) }) }
}

extension FeatureRead where Value == Double {
    public static var double: Self { Self("double", accepts: { $0 == .double }, read: { $0.double(at: $1) }) }
    /// A float or a double feature, widened to `Double` (a model's input vector, say).
    public static var number: Self {
        Self("float or double", accepts: { $0 == .float || $0 == .double }, read: { row, column in row.double(at: column) ?? row.float(at: column).map(Double.init) })
    }
}

extension FeatureRead where Value == String {
    public static var string: Self { Self("string", accepts: { $0 == .string }, read: { $0.string(at: $1) }) }
}

extension FeatureRead where Value == [UInt8] {
    public static var bytes: Self { Self("bytes", accepts: { $0 == .bytes }, read: { $0.bytes(at: $1) }) }
}

extension FeatureRead where Value == Date {
    /// A timestamp feature as a `Date` (microsecond precision).
    public static var timestamp: Self {
        Self("timestamp", accepts: { $0 == .timestamp }, read: { row, column in row.timestamp(at: column).map { Date(microsecondsSinceEpoch: $0) } })
    }
}

extension FeatureRead where Value == [Float] {
    /// An embedding of any dimension, decompressed if it travelled LZ4-compressed.
    public static var embedding: Self {
        Self("embedding", accepts: { $0.isEmbedding }, read: { $0.embedding(at: $1) })
    }
}

extension FeatureRead where Value == [Int64] {
    public static var int64List: Self { Self("int64_list", accepts: { $0 == .int64List }, read: { $0.int64List(at: $1) }) }
}

extension FeatureRead where Value == [String] {
    public static var stringList: Self { Self("string_list", accepts: { $0 == .stringList }, read: { $0.stringList(at: $1) }) }
}
