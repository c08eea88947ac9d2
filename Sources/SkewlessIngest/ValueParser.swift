import Foundation
import SkewlessModel

/// Reads a cell of an input file as a value of a field's type, or a join key's.
///
/// | Type | CSV cell | JSON value |
/// | --- | --- | --- |
/// | `bool` | `true`, `false`, `1`, `0` (any case) | `true`, `false` |
/// | `int32`, `int64` | a decimal integer, range-checked | an integer, or a string holding one |
/// | `float`, `double` | a decimal number; `NaN`, `Infinity`, `-Infinity` | a number, or one of those strings |
/// | `string` | the text (`""` for an empty one) | a string |
/// | `bytes` | standard base64 (RFC 4648, padded) | a base64 string |
/// | `timestamp` | see `TimeSyntax`: micros, RFC 3339, `now-2h` | a number of micros, or a string |
/// | `embedding[N]` | `[0.1, 0.2, ...]` or `0.1;0.2;...`, exactly N finite numbers | a list of N numbers |
/// | `int64_list` | `1;2;3` or `[1, 2, 3]`; `[]` is empty | a list of integers |
/// | `string_list` | `a;b;c` or `["a", "b;c"]`; `[]` is empty | a list of strings |
///
/// In CSV an empty cell is null, except that a quoted one (`""`) is an empty string, bytes
/// or list; in JSON, `null` (or a missing key) is null. Whitespace around a CSV cell is
/// ignored except in strings.
enum ValueParser {
    /// The value of `cell`, or nil when the cell is null.
    static func value(of cell: InputRow.Cell, as type: FeatureType, now: Int64) throws(InvalidValue) -> FeatureValue? {
        guard !cell.isNull else { return nil }
        switch cell {
        case .text(let text, _):
            if trimmed(text).isEmpty, !hasEmptyValue(type) { return nil }
            return try value(text: text, as: type, now: now)
        case .json(let json): return try value(json: json, as: type, now: now)
        }
    }

    /// Whether an empty text is a value of `type` (an empty string, bytes or list) rather
    /// than null. CSV writers that quote every field write null as `""`, so for the other
    /// types a blank cell, quoted or not, is null.
    static func hasEmptyValue(_ type: FeatureType) -> Bool {
        switch type.storage {
        case .string, .bytes, .int64List, .stringList: return true
        case .bool, .int32, .int64, .float, .double, .timestamp, .embedding: return false
        }
    }

    /// The value of a join key; nil when the cell is null.
    static func keyPart(of cell: InputRow.Cell, as type: KeyType) throws(InvalidValue) -> KeyPart? {
        guard !cell.isNull else { return nil }
        switch (cell, type.storage) {
        case (.text(let text, _), .int64):
            let text = trimmed(text)
            if text.isEmpty { return nil }
            return .int64(try integer(text, type: "int64", range: Int64.min...Int64.max))
        case (.text(let text, _), .string):
            return .string(text)
        case (.json(.number(let text)), .int64), (.json(.string(let text)), .int64):
            return .int64(try integer(text, type: "int64", range: Int64.min...Int64.max))
        case (.json(.string(let text)), .string):
            return .string(text)
        case (.json(.number(let text)), .string):
            throw InvalidValue("expected a string for a string key, found the number \(text); write it in quotes: \"\(text)\"")
        case (.json(let json), _):
            throw InvalidValue("expected \(type == .int64 ? "an integer" : "a string") for an \(type.rawValue) key, found \(json.kindDescription)")
        }
    }

    // MARK: - Text (CSV)

    static func value(text raw: String, as type: FeatureType, now: Int64) throws(InvalidValue) -> FeatureValue {
        if case .string = type { return .string(raw) }
        let text = trimmed(raw)
        switch type.storage {
        case .bool:
            switch text.lowercased() {
            case "true", "1": return .bool(true)
            case "false", "0": return .bool(false)
            default: throw InvalidValue("'\(raw)' is not a bool: write true, false, 1 or 0")
            }
        case .int32:
            return .int32(Int32(try integer(text, type: "int32", range: Int64(Int32.min)...Int64(Int32.max))))
        case .int64:
            return .int64(try integer(text, type: "int64", range: Int64.min...Int64.max))
        case .float:
            return .float(try float(text))
        case .double:
            return .double(try double(text, type: "double"))
        case .string:
            return .string(raw)
        case .bytes:
            return .bytes(try base64(text))
        case .timestamp:
            return .timestamp(try TimeSyntax.microseconds(from: text, now: now))
        case .embedding(let dimension):
            let items = try listItems(text, type: type)
            return .embedding(try embedding(items.map { $0.number }, dimension: dimension))
        case .int64List:
            return .int64List(try listItems(text, type: type).map { (item: ListItem) throws(InvalidValue) -> Int64 in
                try integer(item.number, type: "int64", range: Int64.min...Int64.max, within: "int64_list")
            })
        case .stringList:
            return .stringList(try listItems(text, type: type).map { (item: ListItem) throws(InvalidValue) -> String in
                guard let text = item.string else {
                    throw InvalidValue("'\(raw)': items of a string_list in brackets are JSON strings, in double quotes (or write a;b;c without brackets)")
                }
                return text
            })
        }
    }

    /// An item of a list written in a CSV cell: from `a;b;c` (always text) or a JSON list.
    private struct ListItem {
        /// The text to read as a number.
        var number: String
        /// The text when the item is a string (every item of `a;b;c`; JSON strings).
        var string: String?
    }

    /// The items of a list cell: a JSON list when it starts with `[`, else `;`-separated.
    private static func listItems(_ text: String, type: FeatureType) throws(InvalidValue) -> [ListItem] {
        if text.isEmpty { return [] }  // `""`: an empty list (an unquoted empty cell is null)
        if text.hasPrefix("[") {
            let json: JSONValue
            do {
                json = try JSONParser.parse(text)
            } catch {
                throw InvalidValue("'\(text)' is not a valid list for \(type) (\(error.message)); write [1, 2, 3] or 1;2;3")
            }
            guard case .array(let items) = json else {
                throw InvalidValue("'\(text)' is not a list")
            }
            return try items.map { (item: JSONValue) throws(InvalidValue) -> ListItem in
                switch item {
                case .number(let number): return ListItem(number: number, string: nil)
                case .string(let string): return ListItem(number: string, string: string)
                default: throw InvalidValue("'\(text)': a list item is \(item.kindDescription); \(type) holds \(type == .stringList ? "strings" : "numbers")")
                }
            }
        }
        return text.split(separator: ";", omittingEmptySubsequences: false).map { part in
            let item = String(part)
            return ListItem(number: trimmed(item), string: item)
        }
    }

    // MARK: - JSON

    static func value(json: JSONValue, as type: FeatureType, now: Int64) throws(InvalidValue) -> FeatureValue {
        func mismatch(_ expected: String) -> InvalidValue {
            InvalidValue("expected \(expected) for type \(type), found \(json.kindDescription)")
        }
        switch (type.storage, json) {
        case (.bool, .bool(let value)):
            return .bool(value)
        case (.int32, .number(let text)), (.int32, .string(let text)):
            return .int32(Int32(try integer(text, type: "int32", range: Int64(Int32.min)...Int64(Int32.max))))
        case (.int64, .number(let text)), (.int64, .string(let text)):
            return .int64(try integer(text, type: "int64", range: Int64.min...Int64.max))
        case (.float, .number(let text)), (.float, .string(let text)):
            return .float(try float(text))
        case (.double, .number(let text)), (.double, .string(let text)):
            return .double(try double(text, type: "double"))
        case (.string, .string(let text)):
            return .string(text)
        case (.string, .number(let text)):
            throw InvalidValue("expected a string, found the number \(text); write it in quotes if it is meant as text: \"\(text)\"")
        case (.bytes, .string(let text)):
            return .bytes(try base64(text))
        case (.timestamp, .number(let text)):
            return .timestamp(try integer(text, type: "timestamp", range: Int64.min...Int64.max))
        case (.timestamp, .string(let text)):
            return .timestamp(try TimeSyntax.microseconds(from: text, now: now))
        case (.embedding(let dimension), .array(let items)):
            let numbers = try items.map { (item: JSONValue) throws(InvalidValue) -> String in
                guard case .number(let text) = item else { throw InvalidValue("an embedding holds numbers, but an item is \(item.kindDescription)") }
                return text
            }
            return .embedding(try embedding(numbers, dimension: dimension))
        case (.int64List, .array(let items)):
            return .int64List(try items.map { (item: JSONValue) throws(InvalidValue) -> Int64 in
                switch item {
                case .number(let text), .string(let text): return try integer(text, type: "int64", range: Int64.min...Int64.max, within: "int64_list")
                default: throw InvalidValue("an int64_list holds integers, but an item is \(item.kindDescription)")
                }
            })
        case (.stringList, .array(let items)):
            return .stringList(try items.map { (item: JSONValue) throws(InvalidValue) -> String in
                guard case .string(let text) = item else { throw InvalidValue("a string_list holds strings, but an item is \(item.kindDescription)") }
                return text
            })
        case (.bool, _): throw mismatch("true or false")
        case (.int32, _), (.int64, _): throw mismatch("an integer")
        case (.float, _), (.double, _): throw mismatch("a number")
        case (.string, _), (.bytes, _): throw mismatch(type == .bytes ? "a base64 string" : "a string")
        case (.timestamp, _): throw mismatch("microseconds or an RFC 3339 string")
        case (.embedding, _), (.int64List, _), (.stringList, _): throw mismatch("a list")
        }
    }

    // MARK: - Scalars

    /// `text` without leading and trailing spaces and tabs; the text itself (no copy) when
    /// it has none, as almost every cell.
    static func trimmed(_ text: String) -> String {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last, isBlank(first) || isBlank(last) else { return text }
        guard let start = utf8.firstIndex(where: { !isBlank($0) }), let end = utf8.lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(text[start...end])
    }

    /// A decimal integer within `range`. `type` names the type in messages.
    static func integer(_ text: String, type: String, range: ClosedRange<Int64>, within list: String? = nil) throws(InvalidValue) -> Int64 {
        let subject = list.map { "an item of \(type == "int64" ? "an" : "a") \($0)" } ?? "\(type == "int32" || type == "int64" ? "an" : "a") \(type)"
        guard TimeSyntax.looksLikeInteger(text) else {
            if Double(text) != nil, !text.isEmpty {
                throw InvalidValue("'\(text)' is not \(subject): it is not a whole number")
            }
            throw InvalidValue("'\(text)' is not \(subject)")
        }
        guard let value = Int64(text), range.contains(value) else {
            throw InvalidValue("'\(text)' is out of the range of \(type) (\(range.lowerBound) to \(range.upperBound))")
        }
        return value
    }

    static func double(_ text: String, type: String) throws(InvalidValue) -> Double {
        switch text {
        case "NaN", "nan": return .nan
        case "Infinity", "inf", "+Infinity", "+inf": return .infinity
        case "-Infinity", "-inf": return -.infinity
        default: break
        }
        guard looksLikeDecimal(text), let value = Double(text) else {
            throw InvalidValue("'\(text)' is not a \(type): write a decimal number such as 0.25, -3 or 1.5e-3 (or NaN, Infinity, -Infinity)")
        }
        guard value.isFinite else {
            throw InvalidValue("'\(text)' is out of the range of \(type)")
        }
        return value
    }

    static func float(_ text: String) throws(InvalidValue) -> Float {
        let value = try double(text, type: "float")
        guard !value.isFinite || abs(value) <= Double(Float.greatestFiniteMagnitude) else {
            throw InvalidValue("'\(text)' is out of the range of float (about ±3.4e38); the field would need to be a double")
        }
        return Float(value)
    }

    private static func embedding(_ items: [String], dimension: Int) throws(InvalidValue) -> [Float] {
        guard items.count == dimension else {
            throw InvalidValue("an embedding[\(dimension)] needs exactly \(dimension) numbers, found \(items.count)")
        }
        var vector: [Float] = []
        vector.reserveCapacity(dimension)
        for (position, item) in items.enumerated() {
            let value: Float
            do {
                value = try float(item)
            } catch {
                throw InvalidValue("item \(position + 1) of the embedding: \(error.message)")
            }
            guard value.isFinite else {
                throw InvalidValue("item \(position + 1) of the embedding is \(item); embeddings hold finite numbers")
            }
            vector.append(value)
        }
        return vector
    }

    private static func base64(_ text: String) throws(InvalidValue) -> [UInt8] {
        guard let data = Data(base64Encoded: text) else {
            let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
            throw InvalidValue("'\(shown)' is not base64: write bytes as standard base64 (RFC 4648, with = padding), e.g. 3q2+7w==")
        }
        return [UInt8](data)
    }

    /// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`: what `Double(_:)` accepts
    /// minus its hexadecimal and `inf`/`nan` spellings.
    private static func looksLikeDecimal(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { looksLikeDecimal($0) }
    }

    private static func looksLikeDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        func isDigit(_ i: Int) -> Bool { i < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) }
        func skipDigits() -> Int {
            let start = index
            while isDigit(index) { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        var mantissa = skipDigits()
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            mantissa += skipDigits()
        }
        guard mantissa > 0 else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { return false }
        }
        return index == bytes.count
    }
}
