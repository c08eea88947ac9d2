import NIOCore
import SwiftProtobuf

/// Writes one protobuf message as one frame: a 4-byte big-endian length, then the message.
package struct FrameEncoder<Message: SwiftProtobuf.Message>: MessageToByteEncoder {
    package typealias OutboundIn = Message

    package init() {}

    package func encode(data: Message, out: inout ByteBuffer) throws {
        try Self.write(data, into: &out)
    }

    /// Appends `message` as a frame to `buffer`.
    package static func write(_ message: Message, into buffer: inout ByteBuffer) throws {
        let body: [UInt8] = try message.serializedBytes()
        buffer.reserveCapacity(minimumWritableBytes: ProtocolVersion.lengthPrefixBytes + body.count)
        buffer.writeInteger(UInt32(body.count), endianness: .big)
        buffer.writeBytes(body)
    }
}
