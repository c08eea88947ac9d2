import Foundation
import SkewlessModel
import SkewlessWire

extension OnlineFeatures.Row {
    /// The value of `feature` read as `read` says (`.float`, `.timestamp`, ...): nil only when
    /// this entity has no value for it (`status` says why: not found, outside its TTL, null).
    ///
    /// Unlike the typed getters (`float(_:)`, ...), which answer nil for all three, it throws
    /// when the feature is not in the response or is of another type, so a typo or a changed
    /// definition fails loudly instead of reading as a missing value.
    /// - Throws: `.notFound` when the response has no such feature; `.invalidArgument` when the
    ///   feature's type cannot be read as asked.
    public func value<Value>(_ feature: String, as read: FeatureRead<Value>) throws(SkewlessError) -> Value? {
        guard let column = features.layout.position(of: feature) else {
            throw SkewlessError(
                .notFound,
                "the response has no feature '\(feature)'; it has \(features.featureNames.joined(separator: ", ")) (name a feature as view:field, view@version:field, or a field that only one view has)"
            )
        }
        return try value(at: column, as: read)
    }

    /// The value of the feature in column `column` (`featureNames`' order) read as `read` says;
    /// nil only when this entity has no value for it.
    /// - Throws: `.notFound` when `column` is out of range; `.invalidArgument` when the feature's
    ///   type cannot be read as asked.
    public func value<Value>(at column: Int, as read: FeatureRead<Value>) throws(SkewlessError) -> Value? {
        guard let type = type(at: column) else {
            throw SkewlessError(.notFound, "the response has \(features.featureNames.count) features; column \(column) is out of range")
        }
        guard read.canRead(type) else {
            throw SkewlessError(
                .invalidArgument,
                "feature '\(features.featureNames[column])' is \(type), not \(read.description): read it as .\(Self.readerName(for: type))")
        }
        return read.read(self, column)
    }

    /// The type of `feature`; nil when the response has no such feature.
    public func type(_ feature: String) -> FeatureType? {
        features.layout.position(of: feature).flatMap(type(at:))
    }

    /// The type of the feature in column `column`; nil when out of range.
    public func type(at column: Int) -> FeatureType? {
        features.table.read(row: row, column: column) { answer, _, column in answer.type(ofColumn: column) }
    }

    /// The event time of the stored row the value came from, as a `Date`; nil when there is
    /// no such feature or no stored row (see `eventTime(_:)` for microseconds).
    public func eventDate(_ feature: String) -> Date? {
        eventTime(feature).map { Date(microsecondsSinceEpoch: $0) }
    }

    /// The `FeatureRead` member that reads `type`, for error messages.
    static func readerName(for type: FeatureType) -> String {
        switch type.storage {
        case .bool: "bool"
        case .int32: "int32"
        case .int64: "int64"
        case .float: "float"
        case .double: "double"
        case .string: "string"
        case .bytes: "bytes"
        case .timestamp: "timestamp"
        case .embedding: "embedding"
        case .int64List: "int64List"
        case .stringList: "stringList"
        }
    }
}
