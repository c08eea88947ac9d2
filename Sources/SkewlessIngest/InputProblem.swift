/// One problem of an input file: where, which column, and what is wrong.
struct InputProblem: Error, Sendable, Hashable, CustomStringConvertible {
    var location: InputLocation
    /// The column (CSV) or key (JSON) at fault; nil for the row as a whole.
    var column: String?
    var message: String
    /// How many later rows have the same problem (an unknown column, reported once).
    var repeats = 0

    init(_ location: InputLocation, column: String? = nil, _ message: String) {
        self.location = location
        self.column = column
        self.message = message
    }

    /// `row 17 (line 18), column 'txn_count_24h': 'abc' is not an int64`
    var description: String {
        var text: String
        switch (location, column) {
        case (.file, nil): text = message
        case (.file, let column?): text = "column '\(column)': \(message)"
        case (let location, nil): text = "\(location): \(message)"
        case (let location, let column?): text = "\(location), column '\(column)': \(message)"
        }
        if repeats > 0 {
            let unit = if case .line = location { repeats == 1 ? "line" : "lines" } else { repeats == 1 ? "row" : "rows" }
            text += " (and on \(repeats) more \(unit))"
        }
        return text
    }
}
