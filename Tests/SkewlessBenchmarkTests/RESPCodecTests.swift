import NIOCore
import NIOEmbedded
import NIOTestUtils
import SkewlessModel
import Testing
@testable import SkewlessBenchmark

@Suite struct RESPCodecTests {
    static let values: [RESPValue] = [
        .simpleString("OK"),
        .error("WRONGTYPE Operation against a key holding the wrong kind of value"),
        .integer(0), .integer(-42), .integer(1_234_567_890_123),
        .bulkString(ByteBuffer(string: "")),
        .bulkString(ByteBuffer(bytes: [0, 13, 10, 255, 36, 42])),  // binary, with CR LF inside
        .bulkString(nil),
        .array([]),
        .array(nil),
        .array([.bulkString(ByteBuffer(string: "f00")), .bulkString(nil), .integer(7), .array([.simpleString("nested"), .error("E")])]),
    ]

    @Test(arguments: values)
    func roundTripsThroughAByteBuffer(value: RESPValue) throws {
        var buffer = ByteBuffer()
        buffer.writeRESPValue(value)
        var decoder = RESPDecoder()
        #expect(try decoder.decode(buffer: &buffer) == value)
        #expect(buffer.readableBytes == 0)
    }

    @Test func encodesTheWireFormat() {
        var buffer = ByteBuffer()
        buffer.writeRESPValue(.command(["HMGET", "k:1", "f"]))
        buffer.writeRESPValue(.bulkString(nil))
        buffer.writeRESPValue(.error("ERR x"))
        #expect(String(buffer: buffer) == "*3\r\n$5\r\nHMGET\r\n$3\r\nk:1\r\n$1\r\nf\r\n$-1\r\n-ERR x\r\n")
    }

    /// Fed one byte at a time, and in every other split, the decoder gives the same values.
    @Test func decodesValuesSplitAcrossReads() throws {
        let pairs: [(ByteBuffer, [RESPValue])] = Self.values.map { value in
            var buffer = ByteBuffer()
            buffer.writeRESPValue(value)
            return (buffer, [value])
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { RESPDecoder() }
    }

    @Test func decodesPipelinedRepliesInOrderThroughAChannel() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        var buffer = ByteBuffer()
        for value in Self.values { buffer.writeRESPValue(value) }
        try channel.writeInbound(buffer)
        for value in Self.values {
            #expect(try channel.readInbound(as: RESPValue.self) == value)
        }
        #expect(try channel.readInbound(as: RESPValue.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test(arguments: ["?junk\r\n", "$-2\r\n", "*-5\r\n", "$3\r\nabcde", ":12a\r\n", ":\r\n", "+x\rz"])
    func refusesMalformedInput(text: String) {
        var buffer = ByteBuffer(string: text)
        var decoder = RESPDecoder()
        #expect(throws: SkewlessError.self) { try decoder.decode(buffer: &buffer) }
    }

    @Test func waitsForIncompleteValues() throws {
        var decoder = RESPDecoder()
        for text in ["", "$", "$5\r\nhel", "*2\r\n:1\r\n", "+OK\r"] {
            var buffer = ByteBuffer(string: text)
            #expect(try decoder.decode(buffer: &buffer) == nil)
            #expect(buffer.readableBytes == text.utf8.count, "nothing consumed")
        }
    }

    @Test func refusesBulkStringsAboveTheLimit() {
        var decoder = RESPDecoder(maximumBulkLength: 10)
        var buffer = ByteBuffer(string: "$11\r\n")
        #expect(throws: SkewlessError.self) { try decoder.decode(buffer: &buffer) }
    }

    /// The HMGET the baseline sends, built from templates, is the plain RESP encoding.
    @Test func hmgetTemplateMatchesTheGeneralEncoding() {
        let view = FeatureView(
            name: "bench", version: 2, entities: ["user"],
            fields: [Field(name: "a", type: .float), Field(name: "bb", type: .embedding(dimension: 3))], ttlSeconds: 60)
        let template = HMGETTemplate(group: RequestShape.ViewGroup(view: view, fields: view.fields))
        var fast = ByteBuffer()
        template.write(id: 42, into: &fast)
        var plain = ByteBuffer()
        plain.writeRESPValue(.command(["HMGET", "bench@2:42", "a", "bb"]))
        #expect(fast == plain)
    }
}
