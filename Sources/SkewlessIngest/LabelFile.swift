import SkewlessModel

/// The label rows of a training set, read from CSV or JSON Lines: every column as given (to
/// pass through), and, checked and typed, the join keys and the time each row asks about.
package struct LabelFile: Sendable {
    /// The columns in file order (CSV header; JSON Lines keys in order of first appearance).
    package var columns: [String]
    /// Per row, one value per column (null where a JSON line lacks the key). CSV cells are
    /// strings (null when empty and unquoted).
    package var cells: [[JSONValue]]
    /// Join key name -> one value per row.
    package var keys: [String: [KeyPart]]
    /// Microseconds since the epoch, one per row.
    package var times: [Int64]

    package var count: Int { times.count }

    /// Reads and checks a whole label file: every row needs each of `joinKeys` and a time in
    /// `timeColumn` (the spellings `fsctl put` accepts for event times, as plausible
    /// microseconds when a number: `PlausibleTime`). Every problem is reported, with row and
    /// column.
    /// - Parameter fallbackTimeColumns: used in place of `timeColumn` when the file has no
    ///   such column but has one of these (the first found): Feast's `event_timestamp`.
    package static func read(_ bytes: [UInt8], format: InputFormat, file: String, joinKeys: [JoinKey], timeColumn: String, fallbackTimeColumns: [String] = [], now: Int64) -> Result<LabelFile, InputProblems> {
        var timeColumn = timeColumn
        var problems: [InputProblem]
        var rows: [InputRow]
        var columns: [String]
        let counting: String
        switch format {
        case .csv:
            let output = CSVRowReader.read(bytes)
            (rows, problems, columns, counting) = (output.rows, output.problems, output.columns, CSVRowReader.counting)
            if !columns.contains(timeColumn), let fallback = fallbackTimeColumns.first(where: columns.contains) { timeColumn = fallback }
            let location = InputLocation.header(line: output.headerLine)
            for required in joinKeys.map(\.name) + [timeColumn] where !columns.isEmpty && !columns.contains(required) {
                problems.append(InputProblem(location, column: required, required == timeColumn
                    ? "missing: every label row needs the time its features are wanted (name the column with --timestamp-column)"
                    : "missing: a join key of the service's views"))
            }
            if problems.contains(where: { $0.location == location }) { rows = [] }
        case .jsonl:
            let output = JSONLinesRowReader.read(bytes)
            (rows, problems, counting) = (output.rows, output.problems, JSONLinesRowReader.counting)
            columns = []
            var seen = Set<String>()
            for row in rows {
                for cell in row.cells where seen.insert(cell.name).inserted { columns.append(cell.name) }
            }
            if !seen.contains(timeColumn), let fallback = fallbackTimeColumns.first(where: seen.contains) { timeColumn = fallback }
        }
        var labels = LabelFile(columns: columns, cells: [], keys: [:], times: [])
        labels.cells.reserveCapacity(rows.count)
        labels.times.reserveCapacity(rows.count)
        for key in joinKeys { labels.keys[key.name] = [] }
        let columnIndex = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for row in rows {
            var cells = [JSONValue](repeating: .null, count: columns.count)
            for named in row.cells {
                guard let index = columnIndex[named.name] else { continue }
                switch named.cell {
                case .text(let text, let isQuoted): cells[index] = text.isEmpty && !isQuoted ? .null : .string(text)
                case .json(let value): cells[index] = value
                }
            }
            let before = problems.count
            var parts: [KeyPart] = []
            for key in joinKeys {
                do throws(InvalidValue) {
                    guard let cell = row.cell(key.name), let part = try ValueParser.keyPart(of: cell, as: key.type) else {
                        problems.append(InputProblem(row.location, column: key.name, "the join key has no value"))
                        continue
                    }
                    parts.append(part)
                } catch {
                    problems.append(InputProblem(row.location, column: key.name, error.message))
                }
            }
            var time: Int64?
            do throws(InvalidValue) {
                switch row.cell(timeColumn) {
                case nil, .json(.null)?, .text("", false)?:
                    problems.append(InputProblem(row.location, column: timeColumn, "every label row needs a time: \(TimeSyntax.help)"))
                case .text(let text, _)?: time = try TimeSyntax.microseconds(from: ValueParser.trimmed(text), now: now)
                case .json(.number(let text))?: time = try ValueParser.integer(text, type: "time in microseconds", range: Int64.min...Int64.max)
                case .json(.string(let text))?: time = try TimeSyntax.microseconds(from: text, now: now)
                case .json(let other)?: throw InvalidValue("expected a time, found \(other.kindDescription): \(TimeSyntax.help)")
                }
                if let time { try PlausibleTime.check(time) }
            } catch {
                problems.append(InputProblem(row.location, column: timeColumn, error.message))
            }
            guard problems.count == before, let time else { continue }
            for (key, part) in zip(joinKeys, parts) { labels.keys[key.name]?.append(part) }
            labels.times.append(time)
            labels.cells.append(cells)
        }
        guard problems.isEmpty else {
            var failure = InputProblems(file: file, problems: problems, counting: counting)
            failure.consequence = "no training set was written"
            return .failure(failure)
        }
        return .success(labels)
    }
}
