/// Reads a whole input file and checks every row against a view: either every row as a
/// write, or every problem of the file, in file order. Nothing is half-done: `put` sends
/// nothing unless this succeeds.
package enum WriteRowsReader {
    package static func writes(from bytes: [UInt8], format: InputFormat, file: String, validator: RowValidator) -> Result<[CheckedRow], InputProblems> {
        var problems: [InputProblem]
        let rows: [InputRow]
        let counting: String
        switch format {
        case .csv:
            let output = CSVRowReader.read(bytes)
            counting = CSVRowReader.counting
            let headerProblems = output.columns.isEmpty ? [] : validator.problems(withColumns: output.columns, at: .header(line: output.headerLine))
            guard headerProblems.isEmpty else {
                // Every row would repeat the header's problems: report those alone.
                return .failure(InputProblems(file: file, problems: headerProblems + output.problems, counting: counting))
            }
            problems = output.problems
            rows = output.rows
        case .jsonl:
            let output = JSONLinesRowReader.read(bytes)
            counting = JSONLinesRowReader.counting
            problems = output.problems
            rows = output.rows
        }
        let writes = validator.writes(from: rows, problems: &problems)
        guard problems.isEmpty else {
            let ordered = problems.enumerated().sorted { ($0.element.location.line, $0.offset) < ($1.element.location.line, $1.offset) }.map(\.element)
            return .failure(InputProblems(file: file, problems: ordered, counting: counting))
        }
        return .success(writes)
    }
}
