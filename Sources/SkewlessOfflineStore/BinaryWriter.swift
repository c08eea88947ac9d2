/// Appends little-endian integers and byte strings to a growing byte array: how segment
/// blocks, footers and manifests are built.
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func append(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(bytes more: some Collection<UInt8>) {
        bytes.append(contentsOf: more)
    }

    /// A u16 length, then the UTF-8 bytes (names of keys and fields; at most 65,535 bytes).
    mutating func appendShortString(_ text: String) {
        var text = text
        text.withUTF8 { appendShortString(utf8: $0) }
    }

    /// The same for the UTF-8 bytes `range` of `text`, without making a string of them.
    mutating func appendShortString(_ text: String, utf8 range: Range<Int>) {
        var text = text
        text.withUTF8 { appendShortString(utf8: UnsafeBufferPointer(rebasing: $0[range])) }
    }

    private mutating func appendShortString(utf8: UnsafeBufferPointer<UInt8>) {
        let kept = UnsafeBufferPointer(rebasing: utf8.prefix(Int(UInt16.max)))
        append(UInt16(kept.count))
        bytes.append(contentsOf: kept)
    }

    /// Appends a whole array of fixed-width values in one copy (little-endian hosts) .
    mutating func append<T: FixedWidthInteger>(contentsOf values: [T]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for value in values { append(value) }
        #endif
    }

    /// Overwrites 4 bytes at `offset` (a size or offset known only later).
    mutating func set(_ value: UInt32, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (index, byte) in raw.enumerated() { bytes[offset + index] = byte }
        }
    }

    mutating func removeAll(keepingCapacity: Bool) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
    }
}
