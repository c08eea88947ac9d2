/// xxHash64 (https://github.com/Cyan4973/xxHash, `XXH64`), fed incrementally without
/// allocating: the routing hash of an entity key's canonical bytes (see docs/cluster.md).
///
/// The result is bit-for-bit the reference `XXH64(bytes, length, seed)` whatever way the
/// bytes are split across `append` calls.
package struct XXHash64: Sendable {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    private let seed: UInt64
    private var accumulators: (UInt64, UInt64, UInt64, UInt64)
    /// Bytes not yet consumed by a 32-byte stripe; the first `pendingCount` are valid.
    private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pendingCount = 0
    private var totalLength: UInt64 = 0

    package init(seed: UInt64 = 0) {
        self.seed = seed
        accumulators = (
            seed &+ Self.prime1 &+ Self.prime2,
            seed &+ Self.prime2,
            seed,
            seed &- Self.prime1
        )
    }

    /// The xxHash64 of `bytes` in one call.
    package static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var hasher = XXHash64(seed: seed)
        hasher.append(bytes)
        return hasher.finalize()
    }

    /// The xxHash64 of a byte array in one call.
    package static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        totalLength &+= UInt64(bytes.count)
        var offset = 0
        if pendingCount > 0 {
            let taken = min(32 - pendingCount, bytes.count)
            let start = pendingCount
            withUnsafeMutableBytes(of: &pending) { buffer in
                UnsafeMutableRawBufferPointer(rebasing: buffer[start..<(start + taken)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<taken]))
            }
            pendingCount += taken
            offset = taken
            guard pendingCount == 32 else { return }
            let stripe = pending
            consumeStripe(
                UInt64(littleEndian: stripe.0), UInt64(littleEndian: stripe.1),
                UInt64(littleEndian: stripe.2), UInt64(littleEndian: stripe.3)
            )
            pendingCount = 0
        }
        while bytes.count - offset >= 32 {
            consumeStripe(
                Self.lane(bytes, offset), Self.lane(bytes, offset + 8),
                Self.lane(bytes, offset + 16), Self.lane(bytes, offset + 24)
            )
            offset += 32
        }
        let rest = bytes.count - offset
        if rest > 0 {
            withUnsafeMutableBytes(of: &pending) { buffer in
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<rest])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            }
            pendingCount = rest
        }
    }

    /// Appends the bytes of `value` as they lie in memory: call with `.littleEndian` values.
    package mutating func append<T: FixedWidthInteger>(rawBytesOf value: T) {
        withUnsafeBytes(of: value) { append($0) }
    }

    /// The hash of everything appended so far. The hasher can keep being appended to.
    package func finalize() -> UInt64 {
        var hash: UInt64
        if totalLength >= 32 {
            let (v1, v2, v3, v4) = accumulators
            hash = Self.rotate(v1, 1) &+ Self.rotate(v2, 7) &+ Self.rotate(v3, 12) &+ Self.rotate(v4, 18)
            hash = Self.merge(hash, v1)
            hash = Self.merge(hash, v2)
            hash = Self.merge(hash, v3)
            hash = Self.merge(hash, v4)
        } else {
            hash = seed &+ Self.prime5
        }
        hash &+= totalLength
        var tail = pending
        let count = pendingCount
        return withUnsafeBytes(of: &tail) { bytes in
            var offset = 0
            while count - offset >= 8 {
                hash ^= Self.round(0, Self.lane(bytes, offset))
                hash = Self.rotate(hash, 27) &* Self.prime1 &+ Self.prime4
                offset += 8
            }
            if count - offset >= 4 {
                let word = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                hash ^= UInt64(word) &* Self.prime1
                hash = Self.rotate(hash, 23) &* Self.prime2 &+ Self.prime3
                offset += 4
            }
            while offset < count {
                hash ^= UInt64(bytes[offset]) &* Self.prime5
                hash = Self.rotate(hash, 11) &* Self.prime1
                offset += 1
            }
            return Self.avalanche(hash)
        }
    }

    /// The xxHash64 (seed 0) of exactly 9 bytes: `lane`'s 8 bytes little-endian, then `last`.
    /// The shape of an int64 key part, hashed here in a few instructions instead of through
    /// the incremental path (about ten times faster).
    package static func hashOfNineBytes(lane: UInt64, last: UInt8) -> UInt64 {
        var hash = prime5 &+ 9
        hash ^= round(0, lane)
        hash = rotate(hash, 27) &* prime1 &+ prime4
        hash ^= UInt64(last) &* prime5
        hash = rotate(hash, 11) &* prime1
        return avalanche(hash)
    }

    private mutating func consumeStripe(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) {
        accumulators.0 = Self.round(accumulators.0, a)
        accumulators.1 = Self.round(accumulators.1, b)
        accumulators.2 = Self.round(accumulators.2, c)
        accumulators.3 = Self.round(accumulators.3, d)
    }

    @inline(__always)
    private static func lane(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    private static func rotate(_ value: UInt64, _ bits: UInt64) -> UInt64 {
        (value << bits) | (value >> (64 - bits))
    }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotate(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func avalanche(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash &*= prime2
        hash ^= hash >> 29
        hash &*= prime3
        hash ^= hash >> 32
        return hash
    }

    @inline(__always)
    private static func merge(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
        (accumulator ^ round(0, value)) &* prime1 &+ prime4
    }
}
