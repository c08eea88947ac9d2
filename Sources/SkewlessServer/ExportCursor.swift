import Foundation
import SkewlessModel

/// Where an export stands, as the opaque `cursor` of EXPORT_ROWS: the export session on the
/// node that answered, and how many of the session's keys earlier pages covered.
///
/// 17 bytes: the format (1), the session id (8 bytes little-endian, never 0), the position
/// (8 bytes little-endian). Clients pass it back unchanged; only the node that made it
/// understands it.
struct ExportCursor: Sendable, Hashable {
    static let format: UInt8 = 1

    var session: UInt64
    var position: Int

    var bytes: Data {
        var data = Data([Self.format])
        withUnsafeBytes(of: session.littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(position).littleEndian) { data.append(contentsOf: $0) }
        return data
    }

    init(session: UInt64, position: Int) {
        self.session = session
        self.position = position
    }

    /// - Throws: `INVALID_ARGUMENT` for bytes that are not a cursor this node makes.
    init(bytes: Data) throws(SkewlessError) {
        let raw = [UInt8](bytes)
        guard raw.count == 17, raw[0] == Self.format else {
            throw SkewlessError(.invalidArgument, "the export cursor (\(raw.count) bytes) is not one this node made: pass back next_cursor unchanged, or an empty cursor to start the export again")
        }
        func word(at offset: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[offset + $1]) << (8 * UInt64($1)) }
        }
        session = word(at: 1)
        let position = word(at: 9)
        guard session != 0, position <= UInt64(Int.max) else {
            throw SkewlessError(.invalidArgument, "the export cursor is damaged: pass back next_cursor unchanged, or an empty cursor to start the export again")
        }
        self.position = Int(position)
    }
}
