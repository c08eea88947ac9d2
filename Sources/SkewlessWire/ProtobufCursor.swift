/// Writes protobuf encodings into memory already reserved for them. Used inside one
/// `ByteBuffer.writeWithUnsafeMutableBytes` call for a whole frame whose exact size was
/// computed first, so the hot path pays no per-field capacity or exclusivity checks.
///
/// Every write is bounds-checked against the region in release builds too, once per
/// operation (a tag, a varint, a run of bytes, a reservation), not per byte: a wrong size
/// computation traps here instead of writing past the region and corrupting the heap. The
/// callers then check, once per frame or column, that they wrote exactly the size they
/// computed (`finish(expecting:_:)`).
struct ProtobufCursor {
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    private(set) var offset = 0

    init(_ region: UnsafeMutableRawBufferPointer) {
        // An empty region has no base address; any write to it fails the capacity check.
        base = region.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 1)!
        capacity = region.count
    }

    /// Bytes left in the region.
    var remaining: Int { capacity &- offset }

    /// Traps unless `count` more bytes fit: the one check in front of every raw write.
    @inline(__always)
    private func ensure(_ count: Int) {
        precondition(count >= 0 && count <= capacity &- offset, "protobuf cursor overrun: the size computation is wrong")
    }

    /// Traps unless exactly `expected` bytes were written: the encoder's size computation and
    /// what it wrote must agree, or the lengths it wrote before the bytes are wrong.
    @inline(__always)
    func finish(expecting expected: Int, _ what: @autoclosure () -> String) {
        precondition(offset == expected, "\(what()) computed as \(expected) bytes but \(offset) written")
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        ensure(1)
        base.storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
        offset &+= 1
    }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        ensure(ProtobufSize.varintSize(value))
        var v = value
        var at = base + offset
        while v >= 0x80 {
            at.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, as: UInt8.self)
            at += 1
            v >>= 7
        }
        at.storeBytes(of: UInt8(v), as: UInt8.self)
        offset = at - base + 1
    }

    @inline(__always)
    mutating func tag(_ field: Int, _ type: ProtobufSize.WireType) {
        // One-byte tags only (`ProtobufSize` counts one byte per tag).
        precondition(field > 0 && field <= 15, "protobuf field numbers above 15 take a two-byte tag")
        byte(UInt8(field << 3) | type.rawValue)
    }

    @inline(__always)
    mutating func tag(_ field: some ProtobufFieldNumber, _ type: ProtobufSize.WireType) {
        tag(field.rawValue, type)
    }

    /// A proto3 varint field: nothing for 0 (the default), else the tag and the varint.
    @inline(__always)
    mutating func varintField(_ field: some ProtobufFieldNumber, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, .varint)
        varint(value)
    }

    @inline(__always)
    mutating func lengthDelimited(_ field: Int, length: Int) {
        tag(field, .lengthDelimited)
        varint(UInt64(length))
    }

    @inline(__always)
    mutating func lengthDelimited(_ field: some ProtobufFieldNumber, length: Int) {
        lengthDelimited(field.rawValue, length: length)
    }

    mutating func bigEndianUInt32(_ value: UInt32) {
        ensure(4)
        base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
        offset &+= 4
    }

    mutating func bytes(_ raw: UnsafeRawBufferPointer) {
        guard let source = raw.baseAddress, raw.count > 0 else { return }
        ensure(raw.count)
        (base + offset).copyMemory(from: source, byteCount: raw.count)
        offset &+= raw.count
    }

    /// Skips `count` bytes for the caller to fill, returning them.
    mutating func reserve(_ count: Int) -> UnsafeMutableRawBufferPointer {
        ensure(count)
        defer { offset &+= count }
        return UnsafeMutableRawBufferPointer(start: base + offset, count: count)
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
        ensure(4)
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
        offset &+= 4
    }

    private mutating func littleEndian64(_ value: UInt64) {
        ensure(8)
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
        offset &+= 8
    }
}
