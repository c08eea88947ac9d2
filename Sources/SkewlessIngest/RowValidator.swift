import Foundation
import SkewlessModel
import SkewlessRepo

/// Checks rows of an input file against one feature view and turns them into writes.
///
/// A row has one column per join key of the view (required), `event_time` (required),
/// `created_time` (optional: all rows give it or none do; refused when the rows go to a
/// node's write log, see `refusesCreatedTime`) and one column per field (optional: a
/// missing column or a null cell is a null value). Any other column is an error, because it
/// is most likely a misspelt field whose values would silently be lost.
package struct RowValidator: Sendable {
    static let eventTimeColumn = "event_time"
    static let createdTimeColumn = "created_time"
    /// Why rows written to a node may not give created times.
    static let createdTimeRefusal = "rows written to a node get their created time from the write log, which stamps the time it accepts them; rows with created times of their own go into the offline store with fsctl ingest"

    /// Feast's names for the same columns, accepted in their place (a Feast data source's
    /// files load as they are). A row may give one spelling of each, not both.
    static let feastEventTimeColumn = "event_timestamp"
    static let feastCreatedTimeColumn = "created_timestamp"

    let view: FeatureView
    let joinKeys: [JoinKey]
    /// The instant `now` means in times (see `TimeSyntax`). A long-running reader (`fsctl
    /// push`) moves it forward as it reads, so that `now` is when the row was read.
    package var now: Int64
    /// The view's other versions, to point a column of one of them at the right version.
    let otherVersions: [FeatureView]
    /// Whether a `created_time` column is an error (writes to a node: the write log stamps
    /// created times) rather than an optional column (`fsctl ingest`).
    let refusesCreatedTime: Bool

    private enum Column: Sendable {
        case joinKey(JoinKey)
        case eventTime
        case createdTime
        case field(Field)
    }

    /// Every column a row may have, in the order of `knownColumns`.
    private let columns: [Column]
    /// Column name -> index in `columns`.
    private let columnIndex: [String: Int]
    /// The indexes of the columns every row must have.
    private let requiredColumns: [Int]

    /// - Parameter refusesCreatedTime: report a `created_time` column as a problem, with
    ///   `createdTimeRefusal` (a CSV header once; JSON Lines once, with a count of the lines
    ///   repeating it).
    package init(view: FeatureView, joinKeys: [JoinKey], now: Int64, otherVersions: [FeatureView] = [], refusesCreatedTime: Bool = false) {
        self.view = view
        self.joinKeys = joinKeys
        self.now = now
        self.otherVersions = otherVersions.filter { $0.version != view.version }
        self.refusesCreatedTime = refusesCreatedTime
        // A refused created_time is no column at all: an unknown one, with its own message.
        let createdTime: [Column] = refusesCreatedTime ? [] : [.createdTime]
        let columns = joinKeys.map(Column.joinKey) + [.eventTime] + view.fields.map(Column.field) + createdTime
        let names = joinKeys.map(\.name) + [Self.eventTimeColumn] + view.fields.map(\.name) + (refusesCreatedTime ? [] : [Self.createdTimeColumn])
        self.columns = columns
        var index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        // Feast's spellings name the same columns, unless a field of the view has that name.
        if index[Self.feastEventTimeColumn] == nil { index[Self.feastEventTimeColumn] = joinKeys.count }
        if !refusesCreatedTime, index[Self.feastCreatedTimeColumn] == nil { index[Self.feastCreatedTimeColumn] = names.count - 1 }
        self.columnIndex = index
        self.requiredColumns = Array(0...joinKeys.count)
    }

    /// The columns a row may have, in the order a CSV header would list them.
    var knownColumns: [String] {
        joinKeys.map(\.name) + [Self.eventTimeColumn] + view.fields.map(\.name) + (refusesCreatedTime ? [] : [Self.createdTimeColumn])
    }

    /// Problems of a list of column names (a CSV header): unknown or repeated names, and
    /// missing join keys or `event_time`.
    func problems(withColumns names: [String], at location: InputLocation) -> [InputProblem] {
        var problems: [InputProblem] = []
        var seen = Set<String>()
        var seenColumns = [String?](repeating: nil, count: columns.count)
        for name in names {
            if !seen.insert(name).inserted {
                problems.append(InputProblem(location, column: name, "the column appears twice"))
            } else if let index = columnIndex[name] {
                if let other = seenColumns[index] {
                    problems.append(InputProblem(location, column: name, "the column appears twice: '\(other)' and '\(name)' name the same column (Feast's spelling and Skewless's); keep one"))
                }
                seenColumns[index] = name
            } else {
                problems.append(InputProblem(location, column: name, unknownColumnMessage(name)))
            }
        }
        for required in requiredColumns where seenColumns[required] == nil {
            problems.append(InputProblem(location, column: knownColumns[required], missingMessage(knownColumns[required])))
        }
        return problems
    }

    /// The row as a write; nil when it has problems, which are added to `problems`.
    func write(from row: InputRow, problems: inout [InputProblem]) -> CheckedRow? {
        var state = State()
        return write(from: row, problems: &problems, state: &state)
    }

    /// Every row's write; every problem of every row is added to `problems`. `createdTime`
    /// must be given by all rows or by none (a write request carries it for all its rows or
    /// for none).
    func writes(from rows: [InputRow], problems: inout [InputProblem]) -> [CheckedRow] {
        var writes: [CheckedRow] = []
        writes.reserveCapacity(rows.count)
        let problemsBefore = problems.count
        var state = State()
        for row in rows {
            if let write = write(from: row, problems: &problems, state: &state) { writes.append(write) }
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

    /// What checking one row leaves for the next.
    private struct State {
        /// The column names of the last row and their indexes in `columns` (nil: unknown).
        /// Rows of a CSV file, and usually of a JSON Lines file, share their names, so
        /// each row's cells are matched to columns without hashing a name per cell.
        var names: [String] = []
        var plan: [Int?] = []
        /// Unknown column name -> index of its problem, so that a misspelt key of a JSON
        /// Lines file is reported once, with a count of the lines repeating it.
        var unknownColumns: [String: Int] = [:]
    }

    private func write(from row: InputRow, problems: inout [InputProblem], state: inout State) -> CheckedRow? {
        let names = row.cells.map(\.name)
        if names != state.names {
            state.names = names
            state.plan = names.map { columnIndex[$0] }
        }
        let problemsBefore = problems.count
        func problem(_ column: String, _ message: String) {
            problems.append(InputProblem(row.location, column: column, message))
        }
        var entity: [String: KeyPart] = [:]
        var eventTime: Int64?
        var createdTime: Int64?
        var values: [String: FeatureValue?] = [:]
        values.reserveCapacity(row.cells.count)
        var seen = [Bool](repeating: false, count: columns.count)
        var hasUnknownColumns = false
        var unknownSeen: Set<String> = []
        for (named, planned) in zip(row.cells, state.plan) {
            let name = named.name
            guard let index = planned else {
                guard unknownSeen.insert(name).inserted else {
                    problem(name, "the column appears twice")
                    continue
                }
                hasUnknownColumns = true
                if let index = state.unknownColumns[name] {
                    problems[index].repeats += 1
                } else {
                    state.unknownColumns[name] = problems.count
                    problem(name, unknownColumnMessage(name))
                }
                continue
            }
            guard !seen[index] else {
                problem(name, "the column appears twice")
                continue
            }
            seen[index] = true
            do throws(InvalidValue) {
                switch columns[index] {
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
        for index in requiredColumns where !seen[index] {
            problem(knownColumns[index], missingMessage(knownColumns[index]))
        }
        guard problems.count == problemsBefore, !hasUnknownColumns, let eventTime else { return nil }
        return CheckedRow(entity: entity, eventTime: eventTime, createdTime: createdTime, values: values)
    }

    private func time(_ cell: InputRow.Cell) throws(InvalidValue) -> Int64 {
        let micros: Int64
        switch cell {
        case .text(let text, _):
            micros = try TimeSyntax.microseconds(from: ValueParser.trimmed(text), now: now)
        case .json(.number(let text)):
            micros = try ValueParser.integer(text, type: "time in microseconds", range: Int64.min...Int64.max)
        case .json(.string(let text)):
            micros = try TimeSyntax.microseconds(from: text, now: now)
        case .json(let other):
            throw InvalidValue("expected a time, found \(other.kindDescription): \(TimeSyntax.help)")
        }
        try PlausibleTime.check(micros)
        return micros
    }

    private func unknownColumnMessage(_ name: String) -> String {
        if refusesCreatedTime, name == Self.createdTimeColumn || name == Self.feastCreatedTimeColumn {
            return Self.createdTimeRefusal
        }
        let versions = otherVersions.filter { $0.fieldIndex(named: name) != nil }.map(\.qualifiedName)
        if !versions.isEmpty {
            return "not a field of \(view.qualifiedName), but of \(versions.joined(separator: " and ")): name the version, e.g. --view \(versions[0])"
        }
        let hint = NameSuggestion.hint(for: name, among: knownColumns)
        let known = knownColumns.count <= 16 ? "; its columns are \(knownColumns.joined(separator: ", "))" : " (fsctl describe \(view.qualifiedName) lists its fields)"
        return "not a join key or field of \(view.qualifiedName)\(hint)\(known)"
    }

    private func missingMessage(_ name: String) -> String {
        name == Self.eventTimeColumn
            ? "missing: every row needs an event time, in a column event_time (or Feast's event_timestamp): \(TimeSyntax.help)"
            : "missing: the join key is required (\(view.qualifiedName) is keyed by \(joinKeys.map(\.name).joined(separator: ", ")))"
    }
}
