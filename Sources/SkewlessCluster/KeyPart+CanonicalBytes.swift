import SkewlessModel

// The canonical bytes of an entity key (docs/cluster.md, "Canonical key bytes"), the input of
// the routing hash: for each part in the view's join-key order, a tag byte, then an int64 as
// 8 bytes little-endian two's complement, or a string as its UTF-8 byte count (4 bytes
// little-endian) and its UTF-8 bytes. A single-part key is the one-part case: no part count.

extension KeyPart {
    /// The tag byte before an int64 key part.
    package static let int64Tag: UInt8 = 0x01
    /// The tag byte before a string key part.
    package static let stringTag: UInt8 = 0x02

    /// Writes this part's canonical bytes. Allocates nothing.
    @inline(__always)
    package func writeCanonicalBytes(into sink: inout some KeyByteSink) {
        switch self.storage {
        case .int64(let value):
            Self.writeCanonicalBytes(int64: value, into: &sink)
        case .string(let value):
            Self.writeCanonicalBytes(string: value, into: &sink)
        }
    }

    /// Writes the canonical bytes of an int64 part without building a `KeyPart`.
    @inline(__always)
    package static func writeCanonicalBytes(int64 value: Int64, into sink: inout some KeyByteSink) {
        // Tag and value in one 9-byte write from a stack buffer.
        var buffer: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &buffer) { bytes in
            bytes[0] = int64Tag
            bytes.storeBytes(of: value.littleEndian, toByteOffset: 1, as: Int64.self)
            sink.append(UnsafeRawBufferPointer(rebasing: bytes[0..<9]))
        }
    }

    /// Writes the canonical bytes of a string part without building a `KeyPart`.
    @inline(__always)
    package static func writeCanonicalBytes(string value: String, into sink: inout some KeyByteSink) {
        var value = value
        // Key strings arrive in frames far below 4 GiB, so the count always fits in 32 bits.
        let count = UInt32(truncatingIfNeeded: value.utf8.count)
        var buffer: UInt64 = 0
        withUnsafeMutableBytes(of: &buffer) { bytes in
            bytes[0] = stringTag
            bytes.storeBytes(of: count.littleEndian, toByteOffset: 1, as: UInt32.self)
            sink.append(UnsafeRawBufferPointer(rebasing: bytes[0..<5]))
        }
        value.withUTF8 { sink.append(UnsafeRawBufferPointer($0)) }
    }
}

extension EntityKey {
    /// Writes the key's canonical bytes: its parts' bytes, in order.
    package func writeCanonicalBytes(into sink: inout some KeyByteSink) {
        for part in parts {
            part.writeCanonicalBytes(into: &sink)
        }
    }

    /// The canonical bytes as an array (for tests, docs and debugging; routing hashes them
    /// without building the array).
    package var canonicalBytes: [UInt8] {
        var bytes: [UInt8] = []
        writeCanonicalBytes(into: &bytes)
        return bytes
    }
}
