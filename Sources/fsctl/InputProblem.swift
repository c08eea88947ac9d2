/// One problem of an input file: where, which column, and what is wrong.
struct InputProblem: Error, Sendable, Hashable, CustomStringConvertible {
    var location: InputLocation
    /// The column (CSV) or key (JSON) at fault; nil for the row as a whole.
    var column: String?
    var message: String

    init(_ location: InputLocation, column: String? = nil, _ message: String) {
        self.location = location
        self.column = column
        self.message = message
    }

    /// `row 17 (line 18), column 'txn_count_24h': 'abc' is not an int64`
    var description: String {
        switch (location, column) {
        case (.file, nil): return message
        case (.file, let column?): return "column '\(column)': \(message)"
        case (let location, nil): return "\(location): \(message)"
        case (let location, let column?): return "\(location), column '\(column)': \(message)"
        }
    }
}
