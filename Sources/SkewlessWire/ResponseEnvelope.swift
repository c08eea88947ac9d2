import NIOCore
import SkewlessModel

/// A `ResponseFrame` read without copying its payload: the request id, the status, and
/// the payload as a slice of the frame's buffer.
package struct ResponseEnvelope: Sendable {
    package var requestID: UInt64
    /// Nil when the status is OK.
    package var error: SkewlessError?
    package var payload: ByteBuffer

    package init(requestID: UInt64, error: SkewlessError?, payload: ByteBuffer) {
        self.requestID = requestID
        self.error = error
        self.payload = payload
    }

    package init(decoding frame: ByteBuffer) throws(SkewlessError) {
        var requestID: UInt64 = 0
        var code: UInt64 = 0
        var message = ""
        var payloadRange: Range<Int>?
        let result: Result<Void, SkewlessError> = frame.withUnsafeReadableBytes { bytes in
            do throws(SkewlessError) {
                var reader = ProtobufReader(bytes)
                while !reader.isAtEnd {
                    let (field, wireType) = try reader.readTag()
                    switch (ProtobufField.ResponseFrame(rawValue: field), wireType) {
                    case (.requestID?, 0):
                        requestID = try reader.readVarint()
                    case (.status?, 2):
                        var status = try reader.readLengthDelimited()
                        while !status.isAtEnd {
                            let (f, t) = try status.readTag()
                            switch (ProtobufField.Status(rawValue: f), t) {
                            case (.code?, 0): code = try status.readVarint()
                            case (.message?, 2): message = try status.readString()
                            default: try status.skip(field: f, wireType: t)
                            }
                        }
                    case (.payload?, 2):
                        let length = try reader.readLengthDelimited().remainingBytes.count
                        payloadRange = (reader.index - length)..<reader.index
                    default:
                        try reader.skip(field: field, wireType: wireType)
                    }
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
        self.requestID = requestID
        var status = Skewless_V1_Status()
        status.code = Skewless_V1_StatusCode(rawValue: Int(truncatingIfNeeded: code)) ?? .unknown
        status.message = message
        self.error = status.error
        if let payloadRange {
            self.payload = frame.getSlice(at: frame.readerIndex + payloadRange.lowerBound, length: payloadRange.count) ?? ByteBuffer()
        } else {
            self.payload = ByteBuffer()
        }
    }
}
