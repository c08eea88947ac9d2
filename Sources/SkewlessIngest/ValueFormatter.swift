import Foundation
import SkewlessModel

/// How `fsctl` shows values: short text for tables, and JSON that `fsctl put` reads back.
package enum ValueFormatter {
    /// Items of a list or embedding shown before "...".
    static let listItemsShown = 4
    /// Characters of a string shown before "...".
    static let stringCharactersShown = 40
    /// Bytes shown (in hex) before "...".
    static let bytesShown = 8

    /// A value shortened to fit a table cell.
    package static func short(_ value: FeatureValue) -> String {
        switch value.storage {
        case .bool(let v): return String(v)
        case .int32(let v): return String(v)
        case .int64(let v): return String(v)
        case .float(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let v): return shortString(v)
        case .bytes(let v):
            let hex = v.prefix(bytesShown).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            return v.count > bytesShown ? "0x\(hex)... (\(v.count) bytes)" : "0x" + hex
        case .timestamp(let v): return TimeSyntax.rfc3339(micros: v)
        case .embedding(let v): return shortList(v.map { String($0) })
        case .int64List(let v): return shortList(v.map { String($0) })
        case .stringList(let v): return shortList(v.map(shortString))
        }
    }

    /// The cell of a served feature: the value with a marker for any status but present.
    ///
    ///     0.25            present
    ///     0 (defaulted)   the field's default, in place of a missing, null or stale value
    ///     1.2 (stale)     older than the TTL, served flagged
    ///     - (null)        a fresh row whose field is null, no default
    ///     - (not found)   no row for the entity, no default
    package static func cell(_ value: FeatureValue?, status: ValueStatus) -> String {
        let text = value.map(short) ?? "-"
        switch status.storage {
        case .present: return text
        case .defaulted, .outsideTTL, .nullValue, .notFound: return text + " (\(status.name))"
        }
    }

    /// The status as every output names it (`ValueStatus.name`: `PRESENT`, `NOT_FOUND`, ...).
    package static func statusName(_ status: ValueStatus) -> String {
        status.name
    }

    /// The value as JSON, in the spellings `fsctl put` accepts: bytes as base64, timestamps
    /// as microseconds, NaN and infinities as strings.
    package static func json(_ value: FeatureValue) -> JSONValue {
        switch value.storage {
        case .bool(let v): return .bool(v)
        case .int32(let v): return .integer(v)
        case .int64(let v): return .integer(v)
        case .float(let v): return .floatingPoint(v)
        case .double(let v): return .floatingPoint(v)
        case .string(let v): return .string(v)
        case .bytes(let v): return .string(Data(v).base64EncodedString())
        case .timestamp(let v): return .integer(v)
        case .embedding(let v): return .array(v.map { .floatingPoint($0) })
        case .int64List(let v): return .array(v.map { .integer($0) })
        case .stringList(let v): return .array(v.map { .string($0) })
        }
    }

    package static func json(_ key: KeyPart) -> JSONValue {
        switch key.storage {
        case .int64(let v): return .integer(v)
        case .string(let v): return .string(v)
        }
    }

    /// A duration in seconds as the feature repo writes TTLs: `30d`, `24h`, `90m`, `45s`.
    static func duration(seconds: Int64) -> String {
        if seconds > 0, seconds % 86_400 == 0, seconds / 86_400 != 1 { return "\(seconds / 86_400)d" }
        if seconds > 0, seconds % 3_600 == 0 { return "\(seconds / 3_600)h" }
        if seconds > 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    private static func shortString(_ text: String) -> String {
        var shown = text.count > stringCharactersShown ? String(text.prefix(stringCharactersShown)) + "..." : text
        if shown.isEmpty || shown.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) || shown != shown.trimmingCharacters(in: .whitespaces) {
            shown = JSONValue.string(shown).serialized(indent: nil)
        }
        return shown
    }

    private static func shortList(_ items: [String]) -> String {
        let head = items.prefix(listItemsShown).joined(separator: ", ")
        return items.count > listItemsShown ? "[\(head), ... (\(items.count))]" : "[\(head)]"
    }
}
