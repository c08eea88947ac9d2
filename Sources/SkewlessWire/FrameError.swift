import SkewlessModel

/// A frame that cannot be read. After one of these, the byte stream cannot be trusted and
/// the connection is closed.
package enum FrameError: Error, Equatable, CustomStringConvertible {
    /// The length prefix announces more bytes than the peer accepts.
    case frameTooLarge(length: Int, maxFrameBytes: Int)
    /// The stream ended inside a frame.
    case truncatedFrame(bufferedBytes: Int)

    package var description: String {
        switch self {
        case .frameTooLarge(let length, let max):
            return "frame of \(length) bytes exceeds the limit of \(max) bytes: send smaller batches, or raise --max-frame-bytes on the node"
        case .truncatedFrame(let buffered):
            return "connection closed inside a frame (\(buffered) bytes of an unfinished frame buffered)"
        }
    }

    package var skewlessError: SkewlessError {
        switch self {
        case .frameTooLarge: return SkewlessError(.resourceExhausted, description)
        case .truncatedFrame: return SkewlessError(.unavailable, description)
        }
    }
}
