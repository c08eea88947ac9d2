import SkewlessWire

/// One group's answer, put together from what the nodes answered for its rows: for each
/// request row, the node answer and the row within it that hold it. Nothing is copied.
struct MergedAnswer: Sendable {
    let pieces: [ReceivedFeatures]
    /// nil when one piece answered every row, in request order.
    let pieceOfRow: [Int32]?
    let rowInPiece: [Int32]?

    /// A single node's answer to the whole request.
    init(_ answer: ReceivedFeatures) {
        pieces = [answer]
        pieceOfRow = nil
        rowInPiece = nil
    }

    init(pieces: [ReceivedFeatures], pieceOfRow: [Int32], rowInPiece: [Int32]) {
        self.pieces = pieces
        self.pieceOfRow = pieceOfRow
        self.rowInPiece = rowInPiece
    }

    var names: [String] { pieces[0].names }

    /// The piece (in `pieces`) holding request row `row`, and its row there.
    func position(of row: Int) -> (piece: Int, row: Int) {
        guard let pieceOfRow, let rowInPiece else { return (0, row) }
        return (Int(pieceOfRow[row]), Int(rowInPiece[row]))
    }
}
