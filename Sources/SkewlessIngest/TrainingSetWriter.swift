import Foundation
import SkewlessModel

/// Writes a training set as CSV or JSON Lines: the label file's columns as given, then per
/// feature its value (empty / null when there is none) and, if asked, a status column
/// (`PRESENT`, `NOT_FOUND`, `OUTSIDE_TTL`, `NULL_VALUE`: `ValueStatus.name`), then per view
/// the event time of the row chosen for each label (microseconds; empty / null when none
/// was), so that a feature's age at the label's time can be computed and audited.
///
/// Values are written in the spellings `fsctl put` reads: numbers as JSON numbers (NaN and
/// infinities as strings), bytes as base64, timestamps as microseconds, lists and
/// embeddings as JSON lists (in CSV, a quoted JSON list).
package struct TrainingSetWriter {
    /// One feature's column.
    package struct Feature {
        package var name: String
        /// The value of a row, nil when it has none.
        package var value: (Int) throws -> FeatureValue?
        package var statuses: [ValueStatus]

        package init(name: String, statuses: [ValueStatus], value: @escaping (Int) throws -> FeatureValue?) {
            self.name = name
            self.statuses = statuses
            self.value = value
        }
    }

    /// One view's chosen event times: a column `name`.
    package struct EventTimes {
        package var name: String
        /// One per label row; nil where no row was chosen.
        package var times: [Int64?]

        package init(name: String, times: [Int64?]) {
            self.name = name
            self.times = times
        }

        /// The column's name for a view: `VIEW__event_time`, or `VIEW@N__event_time` when
        /// two versions of the view are in the set.
        package static func columnName(view: FeatureView, among views: [FeatureView]) -> String {
            let versions = views.filter { $0.name == view.name }.count
            return (versions > 1 ? view.qualifiedName : view.name) + "__event_time"
        }
    }

    package static func statusName(_ status: ValueStatus) -> String {
        status.name
    }

    /// Writes every row through `write` (called with about 1 MiB at a time).
    package static func write(labels: LabelFile, features: [Feature], eventTimes: [EventTimes] = [], format: InputFormat, statusColumns: Bool, to write: ([UInt8]) throws -> Void) throws {
        var names = labels.columns
        for feature in features {
            names.append(feature.name)
            if statusColumns { names.append(feature.name + "__status") }
        }
        names += eventTimes.map(\.name)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        if format == .csv {
            buffer += Array(names.map(csvField).joined(separator: ",").utf8)
            buffer.append(UInt8(ascii: "\n"))
        }
        for row in 0..<labels.count {
            var values = labels.cells[row]
            for feature in features {
                values.append(try feature.value(row).map(ValueFormatter.json) ?? .null)
                if statusColumns { values.append(.string(statusName(feature.statuses[row]))) }
            }
            for column in eventTimes {
                values.append(column.times[row].map { .integer($0) } ?? .null)
            }
            switch format {
            case .csv:
                for (index, value) in values.enumerated() {
                    if index > 0 { buffer.append(UInt8(ascii: ",")) }
                    buffer += Array(csvText(value).utf8)
                }
            case .jsonl:
                buffer += Array(JSONValue.object(zip(names, values).map { JSONValue.Member($0, $1) }).serialized(indent: nil).utf8)
            }
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 20 {
                try write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { try write(buffer) }
    }

    /// A CSV field: null is empty, an empty string is `""`, lists are their JSON text.
    package static func csvText(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .string(let text): return text.isEmpty ? "\"\"" : csvField(text)
        case .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .array, .object: return csvField(value.serialized(indent: nil))
        }
    }

    /// Quotes a field holding a comma, quote, line break or surrounding spaces.
    package static func csvField(_ text: String) -> String {
        let needsQuotes = text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
            || text.first == " " || text.last == " "
        return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
