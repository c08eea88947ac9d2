/// Estimates of the heap bytes behind standard-library containers, for
/// `OnlineStore.memoryFootprint()`.
///
/// These follow the 64-bit layouts of the Swift runtime. They count what is allocated
/// (capacities), not what is used, and ignore the allocator's own rounding and headers.
enum MemoryFootprint {
    /// An array buffer: a 32-byte header (object header, count, capacity) then the elements.
    static let arrayHeaderBytes = 32

    /// The heap bytes of an array buffer of `capacity` elements of `stride` bytes. An empty
    /// array shares one static buffer, which costs nothing.
    static func arrayBytes(capacity: Int, stride: Int) -> Int {
        capacity == 0 ? 0 : arrayHeaderBytes + capacity * stride
    }

    /// The heap bytes of a native string: nothing for up to 15 UTF-8 bytes (stored inline),
    /// else a 32-byte header, the bytes and a NUL terminator, rounded up to 16.
    static func stringBytes(_ string: String) -> Int {
        let count = string.utf8.count
        guard count > 15 else { return 0 }
        return (32 + count + 1 + 15) & ~15
    }

    /// The storage object of a native dictionary, before its buckets: object header (16),
    /// count, capacity, scale, reserved scale, extra, age, seed and two bucket pointers.
    static let dictionaryHeaderBytes = 64

    /// The heap bytes of a native `Dictionary` whose `capacity` is as reported by
    /// `Dictionary.capacity`.
    ///
    /// A dictionary keeps a power-of-two number of buckets and grows when it would be more
    /// than 3/4 full, so `capacity` is 3/4 of the bucket count. Each bucket costs a key
    /// slot, a value slot and one bit of occupancy bitmap (whole 64-bit words). Keys' own
    /// heap storage (composite keys' arrays, long strings) is not included.
    static func dictionaryBytes(capacity: Int, keyStride: Int, valueStride: Int) -> Int {
        guard capacity > 0 else { return 0 }
        var buckets = 1
        while buckets * 3 / 4 < capacity {
            buckets <<= 1
        }
        let bitmapBytes = ((buckets + 63) / 64) * 8
        return dictionaryHeaderBytes + bitmapBytes + buckets * (keyStride + valueStride)
    }
}
