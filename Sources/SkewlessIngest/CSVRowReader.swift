import Foundation

/// Reads a CSV file of rows: a header naming the columns, then one record per row.
///
/// Header names are trimmed of surrounding spaces. Every record must have as many fields as
/// the header. A syntax error stops the reading, since the records after it cannot be
/// delimited with any confidence; other problems are collected so all are reported at once.
enum CSVRowReader {
    struct Output: Sendable {
        var columns: [String]
        var headerLine: Int
        var rows: [InputRow]
        var problems: [InputProblem]
        /// Data records read, good or not.
        var recordCount = 0
        /// Whether reading stopped at a syntax error (nothing after it was read).
        var stoppedAtSyntaxError = false
    }

    static let counting = "rows are data records counted from 1 after the header; lines are lines of the file"

    static func read(_ bytes: [UInt8]) -> Output {
        var reader = CSVReader(bytes: bytes)
        var output = Output(columns: [], headerLine: 1, rows: [], problems: [])
        do {
            guard let header = try reader.next() else {
                output.problems.append(InputProblem(.file, "the file is empty: it needs a header line naming the columns, then one line per row"))
                return output
            }
            output.headerLine = header.line
            output.columns = header.fields.map { ValueParser.trimmed($0.text) }
            if output.columns.count == 1, let only = output.columns.first, only.contains(";") || only.contains("\t") {
                output.problems.append(InputProblem(.header(line: header.line), "the header has one column, '\(only)': fsctl reads comma-separated files, and this one looks separated by \(only.contains(";") ? "semicolons" : "tabs")"))
                return output
            }
            try readRecords(&reader, into: &output)
        } catch {
            output.problems.append(InputProblem(.line(error.line), "CSV syntax: \(error.message)"))
            output.stoppedAtSyntaxError = true
        }
        return output
    }

    /// Reads the records after the header into `output.rows` (problems into
    /// `output.problems`), numbering them on from `output.recordCount`. Stops at a syntax error.
    static func readRecords(_ reader: inout CSVReader, into output: inout Output) throws(CSVReader.SyntaxError) {
        while let record = try reader.next() {
            output.recordCount += 1
            let location = InputLocation.record(number: output.recordCount, line: record.line)
            guard record.fields.count == output.columns.count else {
                output.problems.append(InputProblem(location, "\(record.fields.count) fields, but the header has \(output.columns.count) columns (a field holding a comma must be in double quotes)"))
                continue
            }
            let cells = zip(output.columns, record.fields).map { name, field in
                InputRow.NamedCell(name: name, cell: .text(field.text, isQuoted: field.isQuoted))
            }
            output.rows.append(InputRow(location: location, cells: cells))
        }
    }
}
