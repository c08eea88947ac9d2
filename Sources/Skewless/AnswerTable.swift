import SkewlessModel
import SkewlessWire

/// Where each value of an `OnlineFeatures` lives: for every (row, column), the node answer
/// that holds it and the row and column there. Built once per call from the merged answers.
///
/// Reads reach the answers through unretained references: `pieces` keeps them alive for the
/// table's lifetime, and a retain and release around every value read (atomic operations)
/// were a third of the client's CPU on 100 x 50 reads.
final class AnswerTable: Sendable {
    /// Every group's pieces, group after group: they own the answers.
    let pieces: [ReceivedFeatures]
    /// `pieces`, unretained, for reads.
    private let readers: [Unmanaged<ReceivedFeatures>]
    /// The node answer that holds every value, in request order, when there is one: a
    /// single node's answer to the whole request. Reads then go straight to it.
    private let single: Unmanaged<ReceivedFeatures>?
    let rowCount: Int
    let columnCount: Int
    /// Per column: its group, and its column in that group's answers.
    let columnGroup: [Int]
    let columnInGroup: [Int]
    /// Per group g and row r, at `g * rowCount + r`: the piece (in `pieces`) and the row there.
    let rowPiece: [Int32]
    let rowInPiece: [Int32]

    /// - Parameter sources: for each column, the answer (group) and its column there; nil
    ///   when there is one answer and its columns are the response's.
    init(answers: [MergedAnswer], sources: [(answer: Int, column: Int)]?, rowCount: Int) {
        self.rowCount = rowCount
        if sources == nil, answers.count == 1, answers[0].pieceOfRow == nil {
            // Reads go to `single`: no per-column or per-row tables to build.
            pieces = answers[0].pieces
            readers = pieces.map { Unmanaged.passUnretained($0) }
            single = readers[0]
            columnCount = pieces[0].columnCount
            (columnGroup, columnInGroup, rowPiece, rowInPiece) = ([], [], [], [])
            return
        }
        if let sources {
            columnCount = sources.count
            columnGroup = sources.map(\.answer)
            columnInGroup = sources.map(\.column)
        } else {
            columnCount = answers.first?.pieces.first?.columnCount ?? 0
            columnGroup = [Int](repeating: 0, count: columnCount)
            columnInGroup = Array(0..<columnCount)
        }
        single = nil
        var pieces: [ReceivedFeatures] = []
        var rowPiece: [Int32] = []
        var rowInPiece: [Int32] = []
        rowPiece.reserveCapacity(answers.count * rowCount)
        rowInPiece.reserveCapacity(answers.count * rowCount)
        for answer in answers {
            let base = Int32(pieces.count)
            pieces += answer.pieces
            for row in 0..<rowCount {
                let (piece, pieceRow) = answer.position(of: row)
                rowPiece.append(base + Int32(piece))
                rowInPiece.append(Int32(pieceRow))
            }
        }
        self.pieces = pieces
        self.readers = pieces.map { Unmanaged.passUnretained($0) }
        self.rowPiece = rowPiece
        self.rowInPiece = rowInPiece
    }

    /// `body` of the answer holding (`row`, `column`) and the row and column there; nil for
    /// a column out of range.
    @inline(__always)
    func read<T>(row: Int, column: Int, _ body: (ReceivedFeatures, _ row: Int, _ column: Int) -> T?) -> T? {
        guard column >= 0, column < columnCount else { return nil }
        if let single {
            return single._withUnsafeGuaranteedRef { body($0, row, column) }
        }
        let at = columnGroup[column] * rowCount + row
        let (answerRow, answerColumn) = (Int(rowInPiece[at]), columnInGroup[column])
        return readers[Int(rowPiece[at])]._withUnsafeGuaranteedRef { body($0, answerRow, answerColumn) }
    }
}
