import SkewlessModel

/// Puts the pieces of a routed read back together: one column per feature with one value
/// per request row, in request order, exactly as one node would have answered.
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

    /// The merged columns for `features` ("view@version:field", the names sent).
    /// - Throws: `INTERNAL` when a node answered with other columns, types or row counts.
    func columns(features: [String]) throws(SkewlessError) -> [ServedColumn] {
        for piece in pieces {
            guard piece.columns.count == features.count else {
                throw SkewlessError(.internal, "\(piece.endpoint) answered \(piece.columns.count) columns for \(features.count) features")
            }
            for column in piece.columns where column.statuses.count != piece.rows.count
                || column.eventTimes.count != piece.rows.count || column.values.count != piece.rows.count
            {
                throw SkewlessError(.internal, "\(piece.endpoint) answered column \(column.name) with the wrong number of rows (\(piece.rows.count) sent)")
            }
        }
        if pieces.count == 1, pieces[0].rows.elementsEqual(0..<rowCount) {
            return pieces[0].columns
        }
        var merged: [ServedColumn] = []
        merged.reserveCapacity(features.count)
        for index in features.indices {
            let parts = pieces.map { $0.columns[index] }
            let first = parts[0]
            if let other = parts.first(where: { $0.name != first.name || $0.type != first.type }) {
                throw SkewlessError(.internal, "nodes disagree on feature \(index): \(first.name) (\(first.type)) and \(other.name) (\(other.type)); are they serving the same feature repo?")
            }
            merged.append(
                ServedColumn(
                    name: first.name, type: first.type,
                    statuses: gather(parts.map(\.statuses)),
                    eventTimes: gather(parts.map(\.eventTimes)),
                    values: try values(parts.map(\.values), name: first.name)))
        }
        return merged
    }

    /// The rows of every piece's array, in request order.
    private func gather<T>(_ arrays: [[T]]) -> [T] {
        var result: [T] = []
        result.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            result.append(arrays[Int(pieceOfRow[row])][Int(offsetOfRow[row])])
        }
        return result
    }

    private func values(_ parts: [ColumnValues], name: String) throws(SkewlessError) -> ColumnValues {
        func typed<T>(_ extract: (ColumnValues) -> [T]?) throws(SkewlessError) -> [T] {
            var arrays: [[T]] = []
            arrays.reserveCapacity(parts.count)
            for part in parts {
                guard let array = extract(part) else {
                    throw SkewlessError(.internal, "nodes answered column \(name) with values of different types")
                }
                arrays.append(array)
            }
            return gather(arrays)
        }
        switch parts[0] {
        case .bool: return .bool(try typed { if case .bool(let v) = $0 { v } else { nil } })
        case .int32: return .int32(try typed { if case .int32(let v) = $0 { v } else { nil } })
        case .int64: return .int64(try typed { if case .int64(let v) = $0 { v } else { nil } })
        case .float: return .float(try typed { if case .float(let v) = $0 { v } else { nil } })
        case .double: return .double(try typed { if case .double(let v) = $0 { v } else { nil } })
        case .string: return .string(try typed { if case .string(let v) = $0 { v } else { nil } })
        case .bytes: return .bytes(try typed { if case .bytes(let v) = $0 { v } else { nil } })
        case .timestamp: return .timestamp(try typed { if case .timestamp(let v) = $0 { v } else { nil } })
        case .embedding: return .embedding(try typed { if case .embedding(let v) = $0 { v } else { nil } })
        case .int64List: return .int64List(try typed { if case .int64List(let v) = $0 { v } else { nil } })
        case .stringList: return .stringList(try typed { if case .stringList(let v) = $0 { v } else { nil } })
        }
    }
}
