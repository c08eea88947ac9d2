/// Where in an input file a problem is: what `put` and `get --entities-file` print before it.
enum InputLocation: Sendable, Hashable, CustomStringConvertible {
    /// The whole file.
    case file
    /// The header of a CSV file, on its 1-based `line`.
    case header(line: Int)
    /// The `number`-th data record of a CSV file (1-based, the header not counted), which
    /// starts on `line` (a record can span lines when a quoted field holds a line break).
    case record(number: Int, line: Int)
    /// A 1-based line of a JSON Lines file.
    case line(Int)

    var description: String {
        switch self {
        case .file: return "file"
        case .header(let line): return line == 1 ? "header" : "header (line \(line))"
        case .record(let number, let line): return "row \(number) (line \(line))"
        case .line(let line): return "line \(line)"
        }
    }

    /// The line the place starts on, for ordering (the file as a whole comes first).
    var line: Int {
        switch self {
        case .file: return 0
        case .header(let line), .record(_, let line), .line(let line): return line
        }
    }
}
