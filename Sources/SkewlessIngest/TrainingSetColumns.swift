import SkewlessModel

/// One view's feature columns read back from a training set file: the CSV or JSON Lines
/// that `fsctl historical` (`TrainingSetWriter`) or the Python package wrote, so that the
/// values a model was trained on can be compared with what it is served (`fsctl drift
/// --reference-file`).
///
/// A field's column is `VIEW__FIELD` when the file has one (the name `fsctl historical`
/// gives a field that two views of the set share), else `FIELD`; its status column, when
/// the file has one, is that name followed by `__status`. Cells are read with the field's
/// type as `fsctl put` reads them (`ValueParser`). A row is null for a field when its cell
/// is null (empty in CSV, `null` or absent in JSON Lines) or when its status says no value
/// came with it (`NOT_FOUND`, `NULL_VALUE`: `ValueStatus.hasValue`).
package struct TrainingSetColumns: Sendable {
    /// Data rows of the file.
    package var rowCount: Int
    /// Field name -> one value per row, nil where null. Only fields with a column.
    package var values: [String: [FeatureValue?]]
    /// Field name -> the column its values came from.
    package var columns: [String: String]
    /// Field name -> why the file has no values of it.
    package var missing: [String: String]

    /// The names a field's column may have, in the order they are looked for.
    package static func columnNames(view: FeatureView, field: String) -> [String] {
        ["\(view.name)__\(field)", field]
    }

    /// Reads every row of a training set file and the columns of `view`'s fields. Every
    /// problem (a value not of its field's type, an unknown status) is reported with its row
    /// and line, the file named.
    package static func read(_ bytes: [UInt8], format: InputFormat, file: String, view: FeatureView, now: Int64) -> Result<TrainingSetColumns, InputProblems> {
        var problems: [InputProblem]
        let rows: [InputRow]
        var columns: [String]
        let counting: String
        switch format {
        case .csv:
            let output = CSVRowReader.read(bytes)
            (rows, problems, columns, counting) = (output.rows, output.problems, output.columns, CSVRowReader.counting)
        case .jsonl:
            let output = JSONLinesRowReader.read(bytes)
            (rows, problems, counting) = (output.rows, output.problems, JSONLinesRowReader.counting)
            var seen = Set<String>()
            columns = []
            for row in rows {
                for cell in row.cells where seen.insert(cell.name).inserted { columns.append(cell.name) }
            }
        }
        var result = TrainingSetColumns(rowCount: rows.count, values: [:], columns: [:], missing: [:])
        let present = Set(columns)
        let statusByName = Dictionary(uniqueKeysWithValues: ValueStatus.allCases.map { ($0.name, $0) })
        for field in view.fields {
            guard let column = columnNames(view: view, field: field.name).first(where: present.contains) else {
                result.missing[field.name] = "the file has no column \(columnNames(view: view, field: field.name).map { "'\($0)'" }.joined(separator: " or "))"
                continue
            }
            let statusColumn = present.contains(column + "__status") ? column + "__status" : nil
            var values: [FeatureValue?] = []
            values.reserveCapacity(rows.count)
            for row in rows {
                var value: FeatureValue?
                do throws(InvalidValue) {
                    value = try row.cell(column).flatMap { cell throws(InvalidValue) in try ValueParser.value(of: cell, as: field.type, now: now) }
                } catch {
                    problems.append(InputProblem(row.location, column: column, error.message))
                }
                if let statusColumn, let cell = row.cell(statusColumn), !cell.isNull {
                    let name: String
                    switch cell {
                    case .text(let text, _): name = ValueParser.trimmed(text)
                    case .json(.string(let text)): name = text
                    case .json(let other): name = other.serialized(indent: nil)
                    }
                    if let status = statusByName[name] {
                        if !status.hasValue { value = nil }
                    } else {
                        problems.append(InputProblem(
                            row.location, column: statusColumn,
                            "'\(name)' is not a status: expected one of \(ValueStatus.allCases.map(\.name).joined(separator: ", "))"))
                    }
                }
                values.append(value)
            }
            result.values[field.name] = values
            result.columns[field.name] = column
        }
        guard problems.isEmpty else {
            problems.sort { $0.location.line < $1.location.line }
            var failure = InputProblems(file: file, problems: problems, counting: counting)
            failure.consequence = "nothing was compared"
            return .failure(failure)
        }
        return .success(result)
    }
}
