import SkewlessIngest
import SkewlessModel
import SkewlessOfflineStore

/// Prints served-log records (`fsctl served-log`), one line per served entity row: a table
/// for people, JSON Lines or CSV for machines. Values are spelled as `fsctl get` and
/// `fsctl historical` spell them; every feature carries its status and event time.
package enum ServedLogPrinter {
    package enum Format: String, Sendable, CaseIterable {
        case table
        case jsonl
        case csv
    }

    /// The text of `records` in `format`, ending with a newline (empty for no records,
    /// except a CSV header).
    package static func render(_ records: [ServedLogRecord], format: Format) -> String {
        switch format {
        case .table: return table(records)
        case .jsonl: return records.flatMap(jsonLines).map { $0 + "\n" }.joined()
        case .csv: return csv(records)
        }
    }

    /// Feature references and key names of `records`, in order of first appearance.
    static func columns(_ records: [ServedLogRecord]) -> (keys: [String], features: [String]) {
        var keys: [String] = []
        var features: [String] = []
        var seenKeys = Set<String>()
        var seenFeatures = Set<String>()
        for record in records {
            for key in record.keys where seenKeys.insert(key.name).inserted { keys.append(key.name) }
            for feature in record.features where seenFeatures.insert(feature.reference).inserted { features.append(feature.reference) }
        }
        return (keys, features)
    }

    static func entity(_ record: ServedLogRecord, row: Int) -> String {
        record.keys.map { key in
            switch key.values.part(at: row).storage {
            case .int64(let value): "\(key.name)=\(value)"
            case .string(let value): "\(key.name)=\(value)"
            }
        }.joined(separator: ",")
    }

    static func table(_ records: [ServedLogRecord]) -> String {
        let (_, features) = columns(records)
        var rows: [[String]] = []
        for record in records {
            let positions = Dictionary(record.features.enumerated().map { ($1.reference, $0) }, uniquingKeysWith: { first, _ in first })
            for row in 0..<record.rowCount {
                var cells = [
                    TimeSyntax.rfc3339(micros: record.servedTime), record.requestID, record.service, record.node, String(record.mapEpoch),
                    entity(record, row: row),
                ]
                for reference in features {
                    guard let index = positions[reference] else {
                        cells.append("")
                        continue
                    }
                    let feature = record.features[index]
                    cells.append(ValueFormatter.cell(feature.value(at: row), status: feature.statuses[row]))
                }
                rows.append(cells)
            }
        }
        let headers = ["SERVED", "REQUEST", "SERVICE", "NODE", "EPOCH", "ENTITY"] + features
        return TablePrinter(headers: headers, rows: rows).render() + "\n"
    }

    static func jsonLines(_ record: ServedLogRecord) -> [String] {
        (0..<record.rowCount).map { row in
            let entity = JSONValue.object(record.keys.map { JSONValue.Member($0.name, ValueFormatter.json($0.values.part(at: row))) })
            let features = JSONValue.object(record.features.map { feature in
                let time = feature.eventTimes[row]
                return JSONValue.Member(feature.reference, .object([
                    JSONValue.Member("value", feature.value(at: row).map(ValueFormatter.json) ?? .null),
                    JSONValue.Member("status", .string(ValueFormatter.statusName(feature.statuses[row]))),
                    JSONValue.Member("event_time_micros", time == 0 ? .null : .integer(time)),
                ]))
            })
            return JSONValue.object([
                JSONValue.Member("served_at", .string(TimeSyntax.rfc3339(micros: record.servedTime))),
                JSONValue.Member("served_micros", .integer(record.servedTime)),
                JSONValue.Member("request_id", .string(record.requestID)),
                JSONValue.Member("service", .string(record.service)),
                JSONValue.Member("node", .string(record.node)),
                JSONValue.Member("map_epoch", .integer(record.mapEpoch)),
                JSONValue.Member("row", .integer(row)),
                JSONValue.Member("entity", entity),
                JSONValue.Member("features", features),
            ]).serialized(indent: nil)
        }
    }

    /// A header, then a line per row: the read's columns, every key name of the records,
    /// then per feature its value, `__status` and `__event_time_micros` (empty where a
    /// record lacks the key or the feature).
    static func csv(_ records: [ServedLogRecord]) -> String {
        let (keys, features) = columns(records)
        var header = ["served_micros", "request_id", "service", "node", "map_epoch", "row"] + keys
        for feature in features { header += [feature, feature + "__status", feature + "__event_time_micros"] }
        var lines = [header.map(TrainingSetWriter.csvField).joined(separator: ",")]
        for record in records {
            let keyColumns = Dictionary(record.keys.map { ($0.name, $0.values) }, uniquingKeysWith: { first, _ in first })
            let positions = Dictionary(record.features.enumerated().map { ($1.reference, $0) }, uniquingKeysWith: { first, _ in first })
            for row in 0..<record.rowCount {
                var cells: [JSONValue] = [
                    .integer(record.servedTime), .string(record.requestID), .string(record.service), .string(record.node), .integer(record.mapEpoch), .integer(row),
                ]
                for key in keys {
                    cells.append(keyColumns[key].map { ValueFormatter.json($0.part(at: row)) } ?? .null)
                }
                for reference in features {
                    guard let index = positions[reference] else {
                        cells += [.null, .null, .null]
                        continue
                    }
                    let feature = record.features[index]
                    let time = feature.eventTimes[row]
                    cells += [
                        feature.value(at: row).map(ValueFormatter.json) ?? .null, .string(TrainingSetWriter.statusName(feature.statuses[row])),
                        time == 0 ? .null : .integer(time),
                    ]
                }
                lines.append(cells.map(TrainingSetWriter.csvText).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
