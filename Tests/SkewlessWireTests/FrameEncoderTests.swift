import NIOCore
import NIOEmbedded
import Testing
@testable import SkewlessWire

@Suite struct FrameEncoderTests {
    @Test func writesLengthThenMessageAndRoundTripsThroughTheDecoder() throws {
        var request = Skewless_V1_RequestFrame()
        request.requestID = 42
        request.method = .getOnlineFeatures
        request.timeoutMicros = 5_000
        request.payload = Data([1, 2, 3])

        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder<Skewless_V1_RequestFrame>()))
        try channel.writeOutbound(request)
        var bytes = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let expectedBody: [UInt8] = try request.serializedBytes()
        #expect(bytes.getInteger(at: bytes.readerIndex, endianness: .big, as: UInt32.self) == UInt32(expectedBody.count))
        #expect(bytes.getBytes(at: bytes.readerIndex + 4, length: expectedBody.count) == expectedBody)

        var decoder = FrameDecoder()
        let body = try #require(try decoder.decode(buffer: &bytes))
        #expect(try Skewless_V1_RequestFrame(serializedBytes: body.readableBytesSpan) == request)
        #expect(try channel.finish().isClean)
    }

    /// The worked example in docs/protocol.md: a HANDSHAKE for protocol version 1.
    @Test func handshakeFrameBytesAreStable() throws {
        var hello = Skewless_V1_HandshakeRequest()
        hello.protocolVersion = 1
        var frame = Skewless_V1_RequestFrame()
        frame.requestID = 1
        frame.method = .handshake
        frame.payload = try hello.serializedBytes()
        var buffer = ByteBuffer()
        try FrameEncoder.write(frame, into: &buffer)
        #expect(Array(buffer.readableBytesView) == [0, 0, 0, 8, 0x08, 0x01, 0x10, 0x01, 0x22, 0x02, 0x08, 0x01])
    }
}

import Foundation
