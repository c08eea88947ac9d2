/// One bit per row saying whether a field is null in that row: bit `row & 63` of word
/// `row >> 6`, set when null.
///
/// A table keeps one per field, next to the field's values. Null rows keep a cheap
/// placeholder in the value column; this bitmap is what says the value is absent.
struct NullBitmap: Sendable, Equatable {
    private(set) var words: [UInt64] = []
    private(set) var count = 0
    /// How many rows are null, kept as bits change, so a read of a column without nulls
    /// (the common case) need not touch the bitmap at all.
    private(set) var nullCount = 0

    init() {}

    /// Whether `row` is null; `row` must be in `0..<count`.
    @inline(__always)
    subscript(row: Int) -> Bool {
        get { words[row >> 6] & (1 << UInt64(row & 63)) != 0 }
        set {
            let bit: UInt64 = 1 << UInt64(row & 63)
            let word = words[row >> 6]
            guard (word & bit != 0) != newValue else { return }
            if newValue {
                words[row >> 6] = word | bit
                nullCount += 1
            } else {
                words[row >> 6] = word & ~bit
                nullCount -= 1
            }
        }
    }

    mutating func append(_ isNull: Bool) {
        append(repeating: isNull, count: 1)
    }

    /// Appends `n` rows that are all null or all non-null.
    mutating func append(repeating isNull: Bool, count n: Int) {
        guard n > 0 else { return }
        let newCount = count + n
        let wordsNeeded = (newCount + 63) >> 6
        if wordsNeeded > words.count {
            words.append(contentsOf: repeatElement(0, count: wordsNeeded - words.count))
        }
        var row = count
        while isNull, row < newCount {
            let bit = row & 63
            let take = Swift.min(64 - bit, newCount - row)
            let mask: UInt64 = take == 64 ? ~0 : ((1 << UInt64(take)) - 1) << UInt64(bit)
            words[row >> 6] |= mask
            row += take
        }
        if isNull { nullCount += n }
        count = newCount
    }

    /// Heap bytes of the word array (its capacity).
    var allocatedBytes: Int {
        MemoryFootprint.arrayBytes(capacity: words.capacity, stride: MemoryLayout<UInt64>.stride)
    }
}
