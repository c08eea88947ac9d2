/// Protobuf binary-format sizes for the hot path's hand encoder (`OnlineFeaturesCodec` with `ProtobufCursor`).
///
/// The generated swift-protobuf code is used everywhere else; the hand encoder exists
/// because the generic encoder is not specialised across module boundaries, which made
/// encoding a 50-feature response cost more than everything else the node does for it.
package enum ProtobufSize {
    package enum WireType: UInt8 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    /// Bytes the varint encoding of `value` takes (1 to 10).
    @inline(__always)
    package static func varintSize(_ value: UInt64) -> Int {
        // Each byte carries 7 bits; a zero still takes one byte.
        let bits = 64 - (value | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    @inline(__always)
    package static func varintSize(_ value: Int64) -> Int {
        varintSize(UInt64(bitPattern: value))
    }

    /// A proto3 varint field with its one-byte tag; 0 for the value 0, which is not written
    /// (`ProtobufCursor.varintField`).
    @inline(__always)
    package static func varintFieldSize(_ value: UInt64) -> Int {
        value == 0 ? 0 : 1 + varintSize(value)
    }

    /// A length-delimited field of `length` payload bytes, with its one-byte tag.
    @inline(__always)
    package static func fieldSize(length: Int) -> Int {
        1 + varintSize(UInt64(length)) + length
    }
}
