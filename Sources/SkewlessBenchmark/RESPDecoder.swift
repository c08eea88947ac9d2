import NIOCore
import SkewlessModel

/// Decodes RESP2 values from a byte stream, one complete top-level value at a time; a value
/// split across reads waits for the rest (nothing is consumed until it is complete). Bulk
/// strings are slices of the read buffer, not copies.
package struct RESPDecoder: NIOSingleStepByteToMessageDecoder {
    package typealias InboundOut = RESPValue

    /// Bulk strings above this (Redis's own limit is 512 MB) are refused.
    package var maximumBulkLength: Int
    /// Arrays nested deeper are refused.
    package var maximumDepth: Int

    package init(maximumBulkLength: Int = 512 * 1024 * 1024, maximumDepth: Int = 32) {
        self.maximumBulkLength = maximumBulkLength
        self.maximumDepth = maximumDepth
    }

    package mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        var cursor = buffer
        guard let value = try parse(&cursor, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: cursor.readerIndex)
        return value
    }

    package mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try decode(buffer: &buffer)
    }

    /// One value from `buffer`, advancing it; nil when the value is not complete yet.
    private func parse(_ buffer: inout ByteBuffer, depth: Int) throws(SkewlessError) -> RESPValue? {
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        var line = buffer
        line.moveReaderIndex(forwardBy: 1)
        guard let text = try Self.readLine(&line) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            buffer = line
            return .simpleString(String(buffer: text))
        case UInt8(ascii: "-"):
            buffer = line
            return .error(String(buffer: text))
        case UInt8(ascii: ":"):
            buffer = line
            return .integer(try Self.integer(text))
        case UInt8(ascii: "$"):
            let length = try Self.integer(text)
            if length == -1 {
                buffer = line
                return .bulkString(nil)
            }
            guard length >= 0, length <= maximumBulkLength else {
                throw SkewlessError(.dataLoss, "RESP bulk string of length \(length) (allowed: -1 to \(maximumBulkLength)); the peer is not speaking RESP2")
            }
            guard line.readableBytes >= Int(length) + 2 else { return nil }
            guard let bytes = line.readSlice(length: Int(length)), line.readInteger(as: UInt16.self) == 0x0D0A else {
                throw SkewlessError(.dataLoss, "RESP bulk string of length \(length) is not followed by CRLF")
            }
            buffer = line
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            let count = try Self.integer(text)
            if count == -1 {
                buffer = line
                return .array(nil)
            }
            guard count >= 0, count <= Int64(line.readableBytes) else {
                // Every element takes at least 3 bytes, so a count above the bytes at hand
                // is either incomplete or wrong; wait unless it is negative.
                if count < 0 { throw SkewlessError(.dataLoss, "RESP array of length \(count); the peer is not speaking RESP2") }
                return nil
            }
            guard depth < maximumDepth else {
                throw SkewlessError(.dataLoss, "RESP arrays nested deeper than \(maximumDepth)")
            }
            var elements: [RESPValue] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let element = try parse(&line, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            buffer = line
            return .array(elements)
        default:
            throw SkewlessError(.dataLoss, "unknown RESP type byte 0x\(String(type, radix: 16)); the peer is not speaking RESP2")
        }
    }

    /// The bytes up to CRLF (consumed with it); nil when CRLF has not arrived.
    private static func readLine(_ buffer: inout ByteBuffer) throws(SkewlessError) -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > 64 * 1024 { throw SkewlessError(.dataLoss, "RESP line longer than 64 KiB without CRLF") }
            return nil
        }
        guard cr + 1 < view.endIndex else { return nil }
        guard view[cr + 1] == UInt8(ascii: "\n") else { throw SkewlessError(.dataLoss, "RESP line with CR not followed by LF") }
        let length = cr - view.startIndex
        let line = buffer.readSlice(length: length)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    private static func integer(_ text: ByteBuffer) throws(SkewlessError) -> Int64 {
        var value: Int64 = 0
        var negative = false
        var digits = 0
        for (index, byte) in text.readableBytesView.enumerated() {
            if index == 0, byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 18 else {
                throw SkewlessError(.dataLoss, "RESP integer '\(String(buffer: text))' is not a number of at most 18 digits")
            }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        guard digits > 0 else { throw SkewlessError(.dataLoss, "empty RESP integer") }
        return negative ? -value : value
    }
}
