import NIOCore
import Testing
@testable import SkewlessBenchmark

@Suite struct HSETTemplateTests {
    static func floatBytes(_ value: Float) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(value.bitPattern, endianness: .little)
        return buffer
    }

    @Test func encodesTheSameBytesAsTheGeneralRESPEncoder() {
        let template = HSETTemplate(keyPrefix: "bench_float10@1:", fields: ["f00", "f01", "f02"])
        var encoded = ByteBuffer()
        template.write(id: 42, values: [0.5, -1, 3.25][...], into: &encoded)

        var expected = ByteBuffer()
        expected.writeRESPValue(.array(
            [.bulkString(ByteBuffer(string: "HSET")), .bulkString(ByteBuffer(string: "bench_float10@1:42"))]
                + [("f00", Float(0.5)), ("f01", -1), ("f02", 3.25)].flatMap { [.bulkString(ByteBuffer(string: $0.0)), .bulkString(Self.floatBytes($0.1))] }))
        #expect(encoded == expected)
        #expect(String(buffer: encoded).hasPrefix("*8\r\n$4\r\nHSET\r\n$18\r\nbench_float10@1:42\r\n$3\r\nf00\r\n$4\r\n"))
    }

    @Test func aBatchIsOneHSETPerRowThatDecodesBackToItsValues() throws {
        let source = try PushRowSource(rowsPerBatch: 3, fieldCount: 2, keySpace: 100, firstID: 7)
        let batch = source.batch(0)
        let template = HSETTemplate(keyPrefix: "v@1:", fields: ["a", "b"])
        var buffer = template.commands(for: batch)
        var decoder = RESPDecoder()
        for row in 0..<3 {
            let command = try #require(try decoder.decode(buffer: &buffer))
            guard case .array(let parts?) = command, parts.count == 6 else {
                Issue.record("row \(row): not an HSET of two fields: \(command)")
                return
            }
            #expect(parts[0] == .bulkString(ByteBuffer(string: "HSET")))
            #expect(parts[1] == .bulkString(ByteBuffer(string: "v@1:\(7 + row)")))
            #expect(parts[2] == .bulkString(ByteBuffer(string: "a")))
            #expect(parts[4] == .bulkString(ByteBuffer(string: "b")))
            for (part, value) in zip([parts[3], parts[5]], batch.row(row)) {
                guard case .bulkString(let bytes?) = part else {
                    Issue.record("no value in \(part)")
                    continue
                }
                #expect(RedisFeatureCodec.decode(bytes, as: .float) == .float(value))
            }
        }
        #expect(buffer.readableBytes == 0)
    }

    @Test func keysOfAnyLengthGetTheirLength() {
        let template = HSETTemplate(keyPrefix: "x:", fields: ["f"])
        for id: Int64 in [1, 9, 10, 123_456_789_012] {
            var buffer = ByteBuffer()
            template.write(id: id, values: [1][...], into: &buffer)
            let key = "x:\(id)"
            #expect(String(buffer: buffer).contains("$\(key.utf8.count)\r\n\(key)\r\n"))
        }
    }
}
