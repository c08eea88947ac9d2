/// One row of an input file before it is checked against a schema: named cells, in the
/// order the file gives them.
struct InputRow: Sendable, Hashable {
    /// A cell as the file wrote it.
    enum Cell: Sendable, Hashable {
        /// A CSV field. An unquoted empty field is null; a quoted one (`""`) is empty text,
        /// which `ValueParser` reads as null for types without an empty value.
        case text(String, isQuoted: Bool)
        /// A JSON value; `null` is null.
        case json(JSONValue)

        var isNull: Bool {
            switch self {
            case .text(let text, let isQuoted): return text.isEmpty && !isQuoted
            case .json(let value): return value == .null
            }
        }
    }

    struct NamedCell: Sendable, Hashable {
        var name: String
        var cell: Cell
    }

    var location: InputLocation
    var cells: [NamedCell]

    init(location: InputLocation, cells: [NamedCell]) {
        self.location = location
        self.cells = cells
    }

    /// The cell of a column, or nil when the row has no such column.
    func cell(_ name: String) -> Cell? {
        cells.first { $0.name == name }?.cell
    }
}
