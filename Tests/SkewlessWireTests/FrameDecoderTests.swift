import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing
@testable import SkewlessWire

@Suite struct FrameDecoderTests {
    func frame(_ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(body.count), endianness: .big)
        buffer.writeBytes(body)
        return buffer
    }

    func channel(max: Int = 1024) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: max)))
        return channel
    }

    @Test func decodesOneFrame() throws {
        let channel = try channel()
        try channel.writeInbound(frame([1, 2, 3]))
        let body = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(Array(body.readableBytesView) == [1, 2, 3])
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test func decodesManyFramesFromOneRead() throws {
        let channel = try channel()
        var all = ByteBuffer()
        for n in 0..<50 {
            var one = frame([UInt8](repeating: UInt8(n), count: n))
            all.writeBuffer(&one)
        }
        try channel.writeInbound(all)
        for n in 0..<50 {
            let body = try #require(try channel.readInbound(as: ByteBuffer.self))
            #expect(Array(body.readableBytesView) == [UInt8](repeating: UInt8(n), count: n))
        }
        #expect(try channel.finish().isClean)
    }

    @Test func decodesAByteAtATime() throws {
        let bodies: [[UInt8]] = [[], [9], Array(0..<200), [7, 7]]
        var all = ByteBuffer()
        for body in bodies {
            var one = frame(body)
            all.writeBuffer(&one)
        }
        let channel = try channel()
        var received: [[UInt8]] = []
        while let byte = all.readSlice(length: 1) {
            try channel.writeInbound(byte)
            while let body = try channel.readInbound(as: ByteBuffer.self) {
                received.append(Array(body.readableBytesView))
            }
        }
        #expect(received == bodies)
        #expect(try channel.finish().isClean)
    }

    @Test func passesNIOsDecoderVerifier() throws {
        let pairs: [(ByteBuffer, [ByteBuffer])] = [
            (frame([1, 2, 3]), [ByteBuffer(bytes: [1, 2, 3])]),
            (frame([]), [ByteBuffer()]),
            (frame(Array(repeating: 0xAB, count: 300)), [ByteBuffer(bytes: Array(repeating: 0xAB, count: 300))]),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            FrameDecoder(maxFrameBytes: 1024)
        }
    }

    @Test func rejectsAnOversizeFrameBeforeItsBodyArrives() throws {
        let channel = try channel(max: 100)
        var header = ByteBuffer()
        header.writeInteger(UInt32(101), endianness: .big)
        #expect(throws: FrameError.frameTooLarge(length: 101, maxFrameBytes: 100)) {
            try channel.writeInbound(header)
        }
        _ = try? channel.finish()
    }

    @Test func acceptsAFrameOfExactlyTheLimit() throws {
        let channel = try channel(max: 100)
        try channel.writeInbound(frame([UInt8](repeating: 1, count: 100)))
        #expect(try channel.readInbound(as: ByteBuffer.self)?.readableBytes == 100)
        #expect(try channel.finish().isClean)
    }

    @Test func garbageThatLooksLikeAHugeLengthIsRejected() throws {
        let channel = try channel()
        // "GET " from a stray HTTP client reads as a length of 1.2 GB.
        #expect(throws: FrameError.self) {
            try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n"))
        }
        _ = try? channel.finish()
    }

    @Test func aStreamEndingInsideAFrameIsReportedAsTruncated() throws {
        let channel = try channel()
        var partial = frame([1, 2, 3, 4, 5])
        partial.moveWriterIndex(to: partial.writerIndex - 2)
        try channel.writeInbound(partial)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(throws: FrameError.truncatedFrame(bufferedBytes: 7)) {
            try channel.finish()
        }
    }
}
