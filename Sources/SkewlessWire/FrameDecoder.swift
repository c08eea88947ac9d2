import NIOCore

/// Splits a byte stream into frames: a 4-byte big-endian length, then that many bytes.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     length (uint32, big-endian)               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           body: `length` bytes of one protobuf message ...    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// The length is checked against `maxFrameBytes` as soon as its 4 bytes arrive, before any
/// of the body is buffered, so a peer cannot make the reader hold a huge frame in memory.
/// The body is handed on as a `ByteBuffer` slice; parsing the message is the next handler's
/// job, so a frame whose body is not a valid message does not desynchronise the stream.
package struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    package typealias InboundOut = ByteBuffer

    private enum State {
        case waitingForLength
        case waitingForBody(length: Int)
    }

    private var state: State = .waitingForLength
    package let maxFrameBytes: Int

    package init(maxFrameBytes: Int = ProtocolVersion.defaultMaxFrameBytes) {
        self.maxFrameBytes = maxFrameBytes
    }

    package mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        if case .waitingForLength = state {
            guard let length = buffer.readInteger(endianness: .big, as: UInt32.self) else { return nil }
            guard Int(length) <= maxFrameBytes else {
                throw FrameError.frameTooLarge(length: Int(length), maxFrameBytes: maxFrameBytes)
            }
            state = .waitingForBody(length: Int(length))
        }
        guard case .waitingForBody(let length) = state, let body = buffer.readSlice(length: length) else {
            return nil
        }
        state = .waitingForLength
        return body
    }

    package mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        if let frame = try decode(buffer: &buffer) { return frame }
        let partial: Int
        switch state {
        case .waitingForLength: partial = buffer.readableBytes
        case .waitingForBody: partial = buffer.readableBytes + ProtocolVersion.lengthPrefixBytes
        }
        if seenEOF && partial > 0 {
            throw FrameError.truncatedFrame(bufferedBytes: partial)
        }
        return nil
    }
}
