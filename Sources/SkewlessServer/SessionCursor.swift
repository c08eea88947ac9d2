import Foundation
import SkewlessModel

/// Where a GET_HISTORICAL_FEATURES query or an INGEST stands, as the opaque `cursor` of those
/// methods (docs/protocol.md sections 18 and 19): the session on the node that answered, what
/// the cursor continues, and a position in it.
///
/// 17 bytes, as `ExportCursor`: the kind (1), the session id (8 bytes little-endian, never 0),
/// the position (8 bytes little-endian). Clients pass it back unchanged; only the node that
/// made it understands it.
struct SessionCursor: Sendable, Hashable {
    /// What the next request continues. The values do not overlap `ExportCursor.format`, so
    /// an export's cursor sent here (or one of these there) is refused as foreign.
    enum Kind: UInt8, Sendable {
        /// A query receiving label rows: the position is the rows received before the chunk.
        case labels = 2
        /// A joined query: the position is the first label row of the page asked for.
        case page = 3
        /// An ingestion: the position is the rows received before the batch.
        case ingestion = 4
    }

    var kind: Kind
    var session: UInt64
    var position: Int

    var bytes: Data {
        var data = Data([kind.rawValue])
        withUnsafeBytes(of: session.littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(position).littleEndian) { data.append(contentsOf: $0) }
        return data
    }

    init(kind: Kind, session: UInt64, position: Int) {
        self.kind = kind
        self.session = session
        self.position = position
    }

    /// - Throws: `INVALID_ARGUMENT` for bytes that are not a cursor this node makes.
    init(bytes: Data) throws(SkewlessError) {
        let raw = [UInt8](bytes)
        guard raw.count == 17, let kind = Kind(rawValue: raw[0]) else {
            throw SkewlessError(.invalidArgument, "the cursor (\(raw.count) bytes) is not one this node made: pass back next_cursor unchanged, to the node that made it, or send an empty cursor to start again")
        }
        func word(at offset: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[offset + $1]) << (8 * UInt64($1)) }
        }
        let session = word(at: 1)
        let position = word(at: 9)
        guard session != 0, position <= UInt64(Int32.max) else {
            throw SkewlessError(.invalidArgument, "the cursor is damaged: pass back next_cursor unchanged, or send an empty cursor to start again")
        }
        self.kind = kind
        self.session = session
        self.position = Int(position)
    }
}
