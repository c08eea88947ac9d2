/// Writes protobuf encodings into memory already reserved for them. Used inside one
/// `ByteBuffer.writeWithUnsafeMutableBytes` call for a whole frame whose exact size was
/// computed first, so the hot path pays no per-field capacity or exclusivity checks.
struct ProtobufCursor {
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    private(set) var offset = 0

    init(_ region: UnsafeMutableRawBufferPointer) {
        // A zero-capacity region is never handed out: callers reserve at least the frame header.
        base = region.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 1)!
        capacity = region.count
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        assert(offset < capacity, "protobuf cursor overrun: the size computation is wrong")
        base.storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
        offset += 1
    }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            byte(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        byte(UInt8(v))
    }

    @inline(__always)
    mutating func tag(_ field: Int, _ type: ProtobufSize.WireType) {
        byte(UInt8(field << 3) | type.rawValue)
    }

    /// A proto3 varint field: nothing for 0 (the default), else the tag and the varint.
    @inline(__always)
    mutating func varintField(_ field: Int, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, .varint)
        varint(value)
    }

    @inline(__always)
    mutating func lengthDelimited(_ field: Int, length: Int) {
        tag(field, .lengthDelimited)
        varint(UInt64(length))
    }

    mutating func bigEndianUInt32(_ value: UInt32) {
        byte(UInt8(value >> 24))
        byte(UInt8((value >> 16) & 0xFF))
        byte(UInt8((value >> 8) & 0xFF))
        byte(UInt8(value & 0xFF))
    }

    mutating func bytes(_ raw: UnsafeRawBufferPointer) {
        guard let source = raw.baseAddress, raw.count > 0 else { return }
        assert(offset + raw.count <= capacity, "protobuf cursor overrun: the size computation is wrong")
        (base + offset).copyMemory(from: source, byteCount: raw.count)
        offset += raw.count
    }

    /// Skips `count` bytes for the caller to fill, returning where they start.
    mutating func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        assert(offset + count <= capacity, "protobuf cursor overrun: the size computation is wrong")
        defer { offset += count }
        return base + offset
    }

    mutating func bytes(_ array: [UInt8]) {
        array.withUnsafeBytes { bytes($0) }
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    mutating func varints(_ values: [Int64]) {
        for value in values { varint(UInt64(bitPattern: value)) }
    }

    /// Float32s as fixed32s (little-endian).
    mutating func littleEndian(_ values: [Float]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes($0) }
        #else
        for value in values { littleEndian32(value.bitPattern) }
        #endif
    }

    /// Float64s as fixed64s (little-endian).
    mutating func littleEndian(_ values: [Double]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes($0) }
        #else
        for value in values { littleEndian64(value.bitPattern) }
        #endif
    }

    private mutating func littleEndian32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { byte(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    private mutating func littleEndian64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { byte(UInt8((value >> UInt64(shift)) & 0xFF)) }
    }
}
