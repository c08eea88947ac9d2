import NIOCore
import Skewless

/// How the Redis baseline stores a feature value as a hash field value: compact binary
/// where that is what a careful Redis user would write, decimal text where Redis itself
/// stores it more compactly (its listpack keeps small integers as integers).
///
/// | Type | Bytes |
/// | --- | --- |
/// | bool | `0` or `1` |
/// | int32, int64, timestamp | decimal ASCII (`-12`) |
/// | float | 4 bytes, IEEE 754 little-endian |
/// | double | 8 bytes, IEEE 754 little-endian |
/// | string | UTF-8 |
/// | bytes | as is |
/// | embedding[N] | N x 4 bytes, float32 little-endian (no compression) |
/// | int64_list | 8 bytes little-endian each |
/// | string_list | per element: 4-byte little-endian length, then UTF-8 |
package enum RedisFeatureCodec {
    package static func encode(_ value: FeatureValue) -> [UInt8] {
        switch value.storage {
        case .bool(let v): return [v ? UInt8(ascii: "1") : UInt8(ascii: "0")]
        case .int32(let v): return Array(String(v).utf8)
        case .int64(let v), .timestamp(let v): return Array(String(v).utf8)
        case .float(let v): return withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init)
        case .double(let v): return withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init)
        case .string(let v): return Array(v.utf8)
        case .bytes(let v): return v
        case .embedding(let v):
            var bytes: [UInt8] = []
            bytes.reserveCapacity(v.count * 4)
            for element in v { withUnsafeBytes(of: element.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            return bytes
        case .int64List(let v):
            var bytes: [UInt8] = []
            bytes.reserveCapacity(v.count * 8)
            for element in v { withUnsafeBytes(of: element.littleEndian) { bytes.append(contentsOf: $0) } }
            return bytes
        case .stringList(let v):
            var bytes: [UInt8] = []
            for element in v {
                withUnsafeBytes(of: UInt32(element.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: element.utf8)
            }
            return bytes
        }
    }

    /// The value of `type` in `bytes`; nil when the bytes do not hold one.
    package static func decode(_ bytes: ByteBuffer, as type: FeatureType) -> FeatureValue? {
        var bytes = bytes
        switch type.storage {
        case .bool:
            guard bytes.readableBytes == 1, let byte = bytes.readInteger(as: UInt8.self) else { return nil }
            return .bool(byte == UInt8(ascii: "1"))
        case .int32: return bytes.readString(length: bytes.readableBytes).flatMap { Int32($0) }.map(FeatureValue.int32)
        case .int64: return bytes.readString(length: bytes.readableBytes).flatMap { Int64($0) }.map(FeatureValue.int64)
        case .timestamp: return bytes.readString(length: bytes.readableBytes).flatMap { Int64($0) }.map(FeatureValue.timestamp)
        case .float:
            guard bytes.readableBytes == 4, let bits = bytes.readInteger(endianness: .little, as: UInt32.self) else { return nil }
            return .float(Float(bitPattern: bits))
        case .double:
            guard bytes.readableBytes == 8, let bits = bytes.readInteger(endianness: .little, as: UInt64.self) else { return nil }
            return .double(Double(bitPattern: bits))
        case .string: return bytes.readString(length: bytes.readableBytes).map(FeatureValue.string)
        case .bytes: return bytes.readBytes(length: bytes.readableBytes).map(FeatureValue.bytes)
        case .embedding(let dimension):
            guard bytes.readableBytes == dimension * 4 else { return nil }
            let vector = bytes.readableBytesView.withUnsafeBytes { raw in
                [Float](unsafeUninitializedCapacity: dimension) { out, count in
                    for i in 0..<dimension {
                        out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                    }
                    count = dimension
                }
            }
            return .embedding(vector)
        case .int64List:
            guard bytes.readableBytes % 8 == 0 else { return nil }
            var values: [Int64] = []
            while let v = bytes.readInteger(endianness: .little, as: Int64.self) { values.append(v) }
            return .int64List(values)
        case .stringList:
            var values: [String] = []
            while bytes.readableBytes > 0 {
                guard let length = bytes.readInteger(endianness: .little, as: UInt32.self),
                    let text = bytes.readString(length: Int(length))
                else { return nil }
                values.append(text)
            }
            return .stringList(values)
        }
    }

    /// The hash key of an entity of a view: "bench_float50@1:42".
    package static func key(view: FeatureView, id: Int64) -> String {
        "\(view.qualifiedName):\(id)"
    }
}
