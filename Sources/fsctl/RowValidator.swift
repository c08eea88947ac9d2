import Foundation
import SkewlessModel

/// Checks rows of an input file against one feature view and turns them into writes.
///
/// A row has one column per join key of the view (required), `event_time` (required),
/// `created_time` (optional: all rows give it or none do) and one column per field
/// (optional: a missing column or a null cell is a null value). Any other column is an
/// error, because it is most likely a misspelt field whose values would silently be lost.
struct RowValidator: Sendable {
    static let eventTimeColumn = "event_time"
    static let createdTimeColumn = "created_time"

    /// Event and created times before this (1973-03-03) are taken for seconds or milliseconds.
    static let earliestPlausibleMicros: Int64 = 100_000_000_000_000
    /// ... and after this (2100-01-01), for nanoseconds.
    static let latestPlausibleMicros: Int64 = 4_102_444_800_000_000

    let view: FeatureView
    let joinKeys: [JoinKey]
    /// The instant `now` means in times (see `TimeSyntax`).
    let now: Int64

    private enum Column {
        case joinKey(JoinKey)
        case eventTime
        case createdTime
        case field(Field)
    }

    private let columns: [String: Column]

    init(view: FeatureView, joinKeys: [JoinKey], now: Int64) {
        self.view = view
        self.joinKeys = joinKeys
        self.now = now
        var columns: [String: Column] = [Self.eventTimeColumn: .eventTime, Self.createdTimeColumn: .createdTime]
        for key in joinKeys { columns[key.name] = .joinKey(key) }
        for field in view.fields { columns[field.name] = .field(field) }
        self.columns = columns
    }

    /// The columns a row may have, in the order a CSV header would list them.
    var knownColumns: [String] {
        joinKeys.map(\.name) + [Self.eventTimeColumn] + view.fields.map(\.name) + [Self.createdTimeColumn]
    }

    /// Problems of a list of column names (a CSV header): unknown or repeated names, and
    /// missing join keys or `event_time`.
    func problems(withColumns names: [String], at location: InputLocation) -> [InputProblem] {
        var problems: [InputProblem] = []
        var seen = Set<String>()
        for name in names {
            if !seen.insert(name).inserted {
                problems.append(InputProblem(location, column: name, "the column appears twice"))
            } else if columns[name] == nil {
                problems.append(InputProblem(location, column: name, unknownColumnMessage(name)))
            }
        }
        for required in joinKeys.map(\.name) + [Self.eventTimeColumn] where !seen.contains(required) {
            problems.append(InputProblem(location, column: required, missingMessage(required)))
        }
        return problems
    }

    /// The row as a write; nil when it has problems, which are added to `problems`.
    func write(from row: InputRow, problems: inout [InputProblem]) -> CheckedRow? {
        let problemsBefore = problems.count
        func problem(_ column: String, _ message: String) {
            problems.append(InputProblem(row.location, column: column, message))
        }
        var entity: [String: KeyPart] = [:]
        var eventTime: Int64?
        var createdTime: Int64?
        var values: [String: FeatureValue?] = [:]
        var seen = Set<String>()
        for named in row.cells {
            let name = named.name
            guard seen.insert(name).inserted else {
                problem(name, "the column appears twice")
                continue
            }
            guard let column = columns[name] else {
                problem(name, unknownColumnMessage(name))
                continue
            }
            do throws(InvalidValue) {
                switch column {
                case .joinKey(let key):
                    guard let part = try ValueParser.keyPart(of: named.cell, as: key.type) else {
                        problem(name, "the join key has no value")
                        continue
                    }
                    entity[name] = part
                case .eventTime:
                    guard !named.cell.isNull else {
                        problem(name, "every row needs an event time: \(TimeSyntax.help)")
                        continue
                    }
                    eventTime = try time(named.cell)
                case .createdTime:
                    createdTime = named.cell.isNull ? nil : try time(named.cell)
                case .field(let field):
                    values[name] = try ValueParser.value(of: named.cell, as: field.type, now: now)
                }
            } catch {
                problem(name, error.message)
            }
        }
        for key in joinKeys where !seen.contains(key.name) {
            problem(key.name, missingMessage(key.name))
        }
        if !seen.contains(Self.eventTimeColumn) {
            problem(Self.eventTimeColumn, missingMessage(Self.eventTimeColumn))
        }
        guard problems.count == problemsBefore, let eventTime else { return nil }
        return CheckedRow(entity: entity, eventTime: eventTime, createdTime: createdTime, values: values)
    }

    /// Every row's write; every problem of every row is added to `problems`. `createdTime`
    /// must be given by all rows or by none (a write request carries it for all its rows or
    /// for none).
    func writes(from rows: [InputRow], problems: inout [InputProblem]) -> [CheckedRow] {
        var writes: [CheckedRow] = []
        writes.reserveCapacity(rows.count)
        let problemsBefore = problems.count
        for row in rows {
            if let write = write(from: row, problems: &problems) { writes.append(write) }
        }
        // Only when every row passed, so that rows and writes pair up.
        if problems.count == problemsBefore, let first = zip(rows, writes).first(where: { $0.1.createdTime != nil }),
            writes.contains(where: { $0.createdTime == nil })
        {
            for (row, write) in zip(rows, writes) where write.createdTime == nil {
                problems.append(InputProblem(row.location, column: Self.createdTimeColumn, "no created time, but \(first.0.location) gives one: give created_time in every row or in none (without it, the node stamps the time it receives the row)"))
            }
        }
        return writes
    }

    private func time(_ cell: InputRow.Cell) throws(InvalidValue) -> Int64 {
        let micros: Int64
        switch cell {
        case .text(let text, _):
            micros = try TimeSyntax.microseconds(from: text.trimmingCharacters(in: .whitespaces), now: now)
        case .json(.number(let text)):
            micros = try ValueParser.integer(text, type: "time in microseconds", range: Int64.min...Int64.max)
        case .json(.string(let text)):
            micros = try TimeSyntax.microseconds(from: text, now: now)
        case .json(let other):
            throw InvalidValue("expected a time, found \(other.kindDescription): \(TimeSyntax.help)")
        }
        if micros < Self.earliestPlausibleMicros {
            let unit = micros >= 100_000_000 && micros < 100_000_000_000 ? "seconds" : micros >= 100_000_000_000 ? "milliseconds" : nil
            throw InvalidValue("\(micros) is \(TimeSyntax.rfc3339(micros: micros)) when read as microseconds\(unit.map { ", and looks like \($0)" } ?? ""): times are microseconds since the epoch (or write an RFC 3339 time)")
        }
        if micros > Self.latestPlausibleMicros {
            throw InvalidValue("\(micros) is after the year 2100 when read as microseconds\(micros >= 100_000_000_000_000_000 ? " and looks like nanoseconds" : ""): times are microseconds since the epoch")
        }
        return micros
    }

    private func unknownColumnMessage(_ name: String) -> String {
        let hint = NameSuggestion.hint(for: name, among: knownColumns)
        let known = knownColumns.count <= 16 ? "; its columns are \(knownColumns.joined(separator: ", "))" : " (fsctl describe \(view.qualifiedName) lists its fields)"
        return "not a join key or field of \(view.qualifiedName)\(hint)\(known)"
    }

    private func missingMessage(_ name: String) -> String {
        name == Self.eventTimeColumn
            ? "missing: every row needs an event time (\(TimeSyntax.help))"
            : "missing: the join key is required (\(view.qualifiedName) is keyed by \(joinKeys.map(\.name).joined(separator: ", ")))"
    }
}
