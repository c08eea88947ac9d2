/// A growable array stored as fixed-size chunks of `chunkSize` elements, each chunk a
/// contiguous Swift array.
///
/// Why not one array per column: a Swift array grows by doubling, so a column can hold up
/// to twice the memory it uses (a 600k-row float column would reserve 1M floats), and every
/// growth copies the whole column while the table's lock is held. Chunks bound both: at
/// most one partly filled chunk per column is over-allocated, and growing adds one chunk
/// without moving existing rows. The last chunk grows by doubling, capped at `chunkSize`,
/// so small tables stay small.
///
/// Element `i` lives at `chunks[i >> chunkShift][i & chunkMask]`.
struct ChunkedArray<Element> {
    /// log2 of the rows per chunk: 4096 rows, 16 KiB of floats.
    static var chunkShift: Int { 12 }
    static var chunkSize: Int { 1 << chunkShift }
    static var chunkMask: Int { chunkSize - 1 }

    private(set) var chunks: [[Element]] = []
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    /// The element at `index`; `index` must be in `0..<count`.
    @inline(__always)
    subscript(index: Int) -> Element {
        get { chunks[index >> Self.chunkShift][index & Self.chunkMask] }
        set { chunks[index >> Self.chunkShift][index & Self.chunkMask] = newValue }
    }

    mutating func append(_ element: Element) {
        append(repeating: element, count: 1)
    }

    /// Appends `n` copies of `element`, filling the last chunk before starting another.
    mutating func append(repeating element: Element, count n: Int) {
        append(contentsOf: repeatElement(element, count: n))
    }

    /// Appends `elements` in order, filling the last chunk before starting another: a bulk
    /// load copies a chunk's worth at a time instead of an element at a time.
    mutating func append<C: Collection>(contentsOf elements: C) where C.Element == Element {
        var next = elements.startIndex
        var remaining = elements.count
        while remaining > 0 {
            if count & Self.chunkMask == 0 {
                chunks.append([])
            }
            let last = chunks.count - 1
            let used = chunks[last].count
            let take = Swift.min(remaining, Self.chunkSize - used)
            if used + take > chunks[last].capacity {
                // Double, but never past one chunk: left to itself an array at 4094 doubles to 8190.
                chunks[last].reserveCapacity(Swift.min(Self.chunkSize, Swift.max(used + take, used * 2, 16)))
            }
            let end = elements.index(next, offsetBy: take)
            chunks[last].append(contentsOf: elements[next..<end])
            next = end
            count += take
            remaining -= take
        }
    }

    /// Bytes allocated for the chunks (capacities, not counts) and the chunk list itself.
    /// Elements' own heap storage (string buffers, nested arrays) is not included.
    var allocatedBytes: Int {
        var total = MemoryFootprint.arrayBytes(capacity: chunks.capacity, stride: MemoryLayout<[Element]>.stride)
        for chunk in chunks {
            total += MemoryFootprint.arrayBytes(capacity: chunk.capacity, stride: MemoryLayout<Element>.stride)
        }
        return total
    }
}
