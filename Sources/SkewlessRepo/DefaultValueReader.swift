import Foundation
import SkewlessModel
import Yams

/// Reads the `default:` of a field as a value of the field's type.
///
/// | Type | Written as |
/// | --- | --- |
/// | `bool` | `true` or `false`, unquoted |
/// | `int32`, `int64` | a decimal integer, unquoted, within the type's range |
/// | `float`, `double` | a decimal number (integers too), unquoted; `.inf`, `-.inf`, `.nan` |
/// | `string` | any single value, quoted or not |
/// | `bytes` | standard base64 text (`"3q2+7w=="`); `""` is empty |
/// | `timestamp` | microseconds since the epoch (unquoted integer), or an RFC 3339 time |
/// | `embedding[N]` | a list of exactly N numbers |
/// | `int64_list` | a list of integers |
/// | `string_list` | a list of single values |
enum DefaultValueReader {
    static func read(_ node: YAMLNode, type: FeatureType, field: String) throws(RepoError) -> FeatureValue {
        let what = "the default of field '\(field)'"
        switch type.storage {
        case .bool:
            let (text, isPlain) = try node.scalar(what)
            guard let value = ScalarSyntax.bool(text) else {
                throw mismatch(node, what, type, expected: "true or false")
            }
            guard isPlain else {
                throw mismatch(node, what, type, expected: "true or false without quotes")
            }
            return .bool(value)

        case .int32:
            let value = try integer(node, what, type, range: Int64(Int32.min)...Int64(Int32.max))
            return .int32(Int32(value))

        case .int64:
            return .int64(try integer(node, what, type, range: Int64.min...Int64.max))

        case .float:
            let value = try number(node, what, type)
            guard value.isNaN || value.isInfinite || abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                throw node.error("\(what) is out of the range of float (about ±3.4e38): \(value); make the field a double or use a smaller value")
            }
            return .float(Float(value))

        case .double:
            return .double(try number(node, what, type))

        case .string:
            return .string(try node.string(what))

        case .bytes:
            let text = try node.string(what)
            guard let data = Data(base64Encoded: text) else {
                throw mismatch(node, what, type, expected: "standard base64 text such as \"3q2+7w==\" (RFC 4648, with padding)")
            }
            return .bytes([UInt8](data))

        case .timestamp:
            let (text, isPlain) = try node.scalar(what)
            if isPlain, ScalarSyntax.looksLikeInteger(text) {
                guard let micros = ScalarSyntax.int64(text) else {
                    throw node.error("\(what) is out of range: \(text) microseconds does not fit in an int64")
                }
                return .timestamp(micros)
            }
            do {
                return .timestamp(try TimestampParser.microseconds(from: text))
            } catch {
                throw node.error("\(what) (timestamp): \(error.message)")
            }

        case .embedding(let dimension):
            let items = try list(node, what, type)
            guard items.count == dimension else {
                throw node.error("\(what) must be a list of exactly \(dimension) numbers for type \(type); found \(items.count)")
            }
            var vector: [Float] = []
            vector.reserveCapacity(dimension)
            for (index, item) in items.enumerated() {
                let itemWhat = "item \(index + 1) of \(what)"
                let value = try number(item, itemWhat, type)
                guard value.isFinite, abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                    throw item.error("\(itemWhat) must be a finite float32 number; found \(item.kindDescription)")
                }
                vector.append(Float(value))
            }
            return .embedding(vector)

        case .int64List:
            var values: [Int64] = []
            for (index, item) in try list(node, what, type).enumerated() {
                values.append(try integer(item, "item \(index + 1) of \(what)", .int64, range: Int64.min...Int64.max))
            }
            return .int64List(values)

        case .stringList:
            var values: [String] = []
            for (index, item) in try list(node, what, type).enumerated() {
                let itemWhat = "item \(index + 1) of \(what)"
                guard !item.isNull else {
                    throw item.error("\(itemWhat) has no value; write \"\" for empty text, or quote it (\"null\") to mean the word")
                }
                values.append(try item.string(itemWhat))
            }
            return .stringList(values)
        }
    }

    private static func mismatch(_ node: YAMLNode, _ what: String, _ type: FeatureType, expected: String) -> RepoError {
        node.error("\(what) must be \(expected) for type \(type); found \(node.kindDescription)")
    }

    private static func integer(_ node: YAMLNode, _ what: String, _ type: FeatureType, range: ClosedRange<Int64>) throws(RepoError) -> Int64 {
        let (text, isPlain) = try node.scalar(what)
        guard ScalarSyntax.looksLikeInteger(text) else {
            throw mismatch(node, what, type, expected: "a whole number")
        }
        guard isPlain else {
            throw mismatch(node, what, type, expected: "a whole number without quotes")
        }
        guard let value = ScalarSyntax.int64(text), range.contains(value) else {
            throw node.error("\(what) is out of the range of \(type) (\(range.lowerBound) to \(range.upperBound)): \(text)")
        }
        return value
    }

    private static func number(_ node: YAMLNode, _ what: String, _ type: FeatureType) throws(RepoError) -> Double {
        let (text, isPlain) = try node.scalar(what)
        guard let value = ScalarSyntax.number(text) else {
            throw mismatch(node, what, type, expected: "a number such as 0, -1.5 or 2.5e-3")
        }
        guard isPlain else {
            throw mismatch(node, what, type, expected: "a number without quotes")
        }
        return value
    }

    private static func list(_ node: YAMLNode, _ what: String, _ type: FeatureType) throws(RepoError) -> [YAMLNode] {
        guard case .sequence = node.node else {
            throw mismatch(node, what, type, expected: "a list such as [1, 2, 3]")
        }
        return try node.sequence(what)
    }
}
