import NIOCore
import SkewlessModel
import SkewlessWire

extension RequestProcessor {
    /// An encoded response frame and its status: the connection counts the answers that
    /// refuse their request as invalid (`ConnectionHandler.StateMachine`, the error budget).
    struct Answer: Sendable {
        var frame: ByteBuffer
        /// The status code when it is not OK; nil for a success.
        var failure: SkewlessError.Code?

        init(frame: ByteBuffer, failure: SkewlessError.Code?) {
            self.frame = frame
            self.failure = failure
        }

        /// `frame`, which encodes `response`.
        init(frame: ByteBuffer, encoding response: Skewless_V1_ResponseFrame) {
            self.frame = frame
            let code = response.status.code
            self.failure = code == .ok ? nil : SkewlessError.Code(rawValue: code.rawValue)
        }
    }
}
