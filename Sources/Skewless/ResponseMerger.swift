import SkewlessModel
import SkewlessWire

/// Puts the pieces of a routed read back together: one column per feature with one value
/// per request row, in request order, exactly as one node would have answered, by mapping
/// each request row to the piece and row that hold it (no value is copied).
///
/// Every row comes from exactly one piece (the router sends each row to one node, and a
/// retry re-sends only the rows of a failed piece).
struct ResponseMerger {
    private let pieces: [RoutedPiece]
    private let rowCount: Int
    /// For each request row: the piece that holds it and its position there.
    private var pieceOfRow: [Int32]
    private var offsetOfRow: [Int32]

    /// - Throws: `INTERNAL` when the pieces do not cover every row exactly once.
    init(pieces: [RoutedPiece], rowCount: Int) throws(SkewlessError) {
        self.pieces = pieces
        self.rowCount = rowCount
        pieceOfRow = [Int32](repeating: -1, count: rowCount)
        offsetOfRow = [Int32](repeating: 0, count: rowCount)
        for (index, piece) in pieces.enumerated() {
            for (offset, row) in piece.rows.enumerated() {
                guard (0..<rowCount).contains(row), pieceOfRow[row] < 0 else {
                    throw SkewlessError(.internal, "the routed answers cover request row \(row) twice or out of range")
                }
                pieceOfRow[row] = Int32(index)
                offsetOfRow[row] = Int32(offset)
            }
        }
        if let missing = pieceOfRow.firstIndex(of: -1) {
            throw SkewlessError(.internal, "no node answered for request row \(missing)")
        }
    }

    /// The merged answer for `features` ("view@version:field", the names sent).
    /// - Throws: `INTERNAL` when a node answered with other columns, types or row counts.
    func answer(features: [String]) throws(SkewlessError) -> MergedAnswer {
        for piece in pieces {
            guard piece.answer.columnCount == features.count else {
                throw SkewlessError(.internal, "\(piece.endpoint) answered \(piece.answer.columnCount) columns for \(features.count) features")
            }
            guard piece.answer.rowCount == piece.rows.count else {
                throw SkewlessError(.internal, "\(piece.endpoint) answered \(piece.answer.rowCount) rows (\(piece.rows.count) sent)")
            }
        }
        if pieces.count == 1, pieces[0].rows.elementsEqual(0..<rowCount) {
            return MergedAnswer(pieces[0].answer)
        }
        let first = pieces[0].answer
        for other in pieces.dropFirst().map(\.answer) where other.names != first.names {
            throw SkewlessError(.internal, "nodes answered different features: \(first.names) and \(other.names); are they serving the same feature repo?")
        }
        for column in 0..<first.columnCount {
            let type = first.type(ofColumn: column)
            if let other = pieces.first(where: { $0.answer.type(ofColumn: column) != type }) {
                throw SkewlessError(
                    .internal, "nodes disagree on the type of \(first.names[column]): \(type) and \(other.answer.type(ofColumn: column)) from \(other.endpoint); are they serving the same feature repo?")
            }
        }
        return MergedAnswer(pieces: pieces.map(\.answer), pieceOfRow: pieceOfRow, rowInPiece: offsetOfRow)
    }
}
