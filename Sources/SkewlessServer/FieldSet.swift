/// A set of small integers as bits: the (view version, field) pairs of a repo, numbered by
/// `FieldNumbering`. A read's fields are checked against a principal's with a few word
/// operations (`isSubset(of:)`), with no name lookup on the request path.
struct FieldSet: Sendable, Hashable {
    private(set) var words: [UInt64]

    init(capacity: Int) {
        words = [UInt64](repeating: 0, count: (capacity + 63) / 64)
    }

    mutating func insert(_ member: Int) {
        words[member >> 6] |= 1 << UInt64(member & 63)
    }

    func contains(_ member: Int) -> Bool {
        member >> 6 < words.count && words[member >> 6] & (1 << UInt64(member & 63)) != 0
    }

    /// Every member of `self` is in `other` (sets of the same capacity).
    func isSubset(of other: FieldSet) -> Bool {
        precondition(words.count == other.words.count, "field sets of different repos")
        for index in words.indices where words[index] & ~other.words[index] != 0 {
            return false
        }
        return true
    }

    /// The members of `self` that are not in `other`, in order.
    func subtracting(_ other: FieldSet) -> [Int] {
        var result: [Int] = []
        for index in words.indices {
            var bits = words[index] & ~(index < other.words.count ? other.words[index] : 0)
            while bits != 0 {
                let bit = bits.trailingZeroBitCount
                result.append(index * 64 + bit)
                bits &= bits - 1
            }
        }
        return result
    }
}
