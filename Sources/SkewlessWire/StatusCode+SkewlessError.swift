import SkewlessModel

extension Skewless_V1_StatusCode {
    package init(_ code: SkewlessError.Code) {
        self = Skewless_V1_StatusCode(rawValue: code.rawValue) ?? .unknown
    }
}

extension Skewless_V1_Status {
    package init(_ error: SkewlessError) {
        self.init()
        code = Skewless_V1_StatusCode(error.code)
        message = error.message
    }

    /// The error this status stands for, or nil when it is OK.
    package var error: SkewlessError? {
        guard code != .ok else { return nil }
        return SkewlessError(SkewlessError.Code(rawValue: code.rawValue), message.isEmpty ? "the node returned \(code) with no message" : message)
    }
}

extension Skewless_V1_ResponseFrame {
    /// A response carrying an error status for `requestID`.
    package static func failure(requestID: UInt64, _ error: SkewlessError) -> Self {
        var frame = Self()
        frame.requestID = requestID
        frame.status = Skewless_V1_Status(error)
        return frame
    }
}
