import NIOCore
import SkewlessModel
import Testing
@testable import SkewlessBenchmark

@Suite struct RedisFeatureCodecTests {
    static let values: [FeatureValue] = [
        .bool(true), .bool(false), .int32(-17), .int64(9_000_000_000), .timestamp(1_767_225_600_000_000), .float(-0.25),
        .double(1e300), .string("naïve"), .bytes([0, 1, 255]), .embedding([0, 1.5, -2, 3.25]), .int64List([1, -2, 3]),
        .stringList(["a", "", "ccc"]),
    ]

    @Test(arguments: values)
    func roundTrips(value: FeatureValue) {
        let bytes = RedisFeatureCodec.encode(value)
        #expect(RedisFeatureCodec.decode(ByteBuffer(bytes: bytes), as: value.type) == value)
    }

    @Test func floatsAreFourBytesLittleEndian() {
        #expect(RedisFeatureCodec.encode(.float(1)) == [0x00, 0x00, 0x80, 0x3F])
        #expect(RedisFeatureCodec.encode(.embedding([1, 1])).count == 8)
    }

    @Test func refusesBytesOfAnotherType() {
        #expect(RedisFeatureCodec.decode(ByteBuffer(bytes: [1, 2, 3]), as: .float) == nil)
        #expect(RedisFeatureCodec.decode(ByteBuffer(bytes: [1, 2, 3, 4]), as: .embedding(dimension: 2)) == nil)
        #expect(RedisFeatureCodec.decode(ByteBuffer(string: "x1"), as: .int64) == nil)
    }

    @Test func parsesInfoMemory() {
        let info = RedisInfo(parsing: "# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_rss:2097152\r\n")
        #expect(info.usedMemory == 1_048_576)
        #expect(info.residentMemory == 2_097_152)
        #expect(ResidentMemory.parseStatus("Name:\tfsnode\nVmRSS:\t   2048 kB\n") == 2_097_152)
    }
}
