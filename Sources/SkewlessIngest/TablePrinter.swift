/// Lays out rows of text in aligned columns, separated by two spaces, as `kubectl get`
/// does: no borders, trailing spaces trimmed, so the output also reads well in a pipe.
package struct TablePrinter: Sendable {
    var headers: [String]?
    var rows: [[String]]
    /// Spaces before every line.
    var indent: Int

    package init(headers: [String]? = nil, rows: [[String]], indent: Int = 0) {
        self.headers = headers
        self.rows = rows
        self.indent = indent
    }

    static let gap = 2

    private var allRows: [[String]] { (headers.map { [$0] } ?? []) + rows }

    /// The width of each column, in characters.
    var columnWidths: [Int] {
        var widths: [Int] = []
        for row in allRows {
            for (column, cell) in row.enumerated() {
                if column == widths.count { widths.append(0) }
                widths[column] = max(widths[column], cell.count)
            }
        }
        return widths
    }

    /// The width of the widest line.
    package var width: Int {
        let widths = columnWidths
        return widths.isEmpty ? 0 : indent + widths.reduce(0, +) + Self.gap * (widths.count - 1)
    }

    /// The lines, joined by newlines, without a final newline.
    package func render() -> String {
        let widths = columnWidths
        let margin = String(repeating: " ", count: indent)
        return allRows.map { row in
            var line = margin
            for (column, cell) in row.enumerated() {
                line += cell
                if column < row.count - 1 {
                    line += String(repeating: " ", count: widths[column] - cell.count + Self.gap)
                }
            }
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
