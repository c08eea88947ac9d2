/// Reads a JSON Lines file (https://jsonlines.org): one JSON object per line, whose keys
/// are column names. Blank lines are skipped; `\r\n` line ends are accepted.
enum JSONLinesRowReader {
    struct Output: Sendable {
        var rows: [InputRow]
        var problems: [InputProblem]
    }

    static let counting = "lines are lines of the file, counted from 1"

    /// - Parameter firstLine: the line number of the first byte (a later piece of a file read
    ///   piece by piece starts on a later line).
    static func read(_ bytes: [UInt8], firstLine: Int = 1) -> Output {
        var output = Output(rows: [], problems: [])
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var lineNumber = firstLine - 1
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var line = bytes[start..<end]
            start = end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }
            let location = InputLocation.line(lineNumber)
            let value: JSONValue
            do {
                value = try JSONParser.parse(Array(line))
            } catch {
                output.problems.append(InputProblem(location, "not valid JSON: \(error)"))
                continue
            }
            guard case .object(let members) = value else {
                output.problems.append(InputProblem(location, "expected a JSON object such as {\"user_id\": 1, \"event_time\": \"now\"}; found \(value.kindDescription)"))
                continue
            }
            output.rows.append(InputRow(location: location, cells: members.map { InputRow.NamedCell(name: $0.key, cell: .json($0.value)) }))
        }
        return output
    }
}
