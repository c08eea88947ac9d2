/// The column names a response is expected to carry, kept both as strings and as one run of
/// UTF-8 bytes: decoding compares each received name with `memcmp` against the run, without
/// touching (and atomically retaining) one `String` per column of every response.
package final class ColumnNames: Sendable {
    package let strings: [String]
    let utf8: [UInt8]
    /// The end of each name in `utf8`; name i spans `ends[i - 1] ..< ends[i]`.
    let ends: [Int]

    package init(_ strings: [String]) {
        self.strings = strings
        var utf8: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(strings.count)
        for name in strings {
            utf8 += name.utf8
            ends.append(utf8.count)
        }
        self.utf8 = utf8
        self.ends = ends
    }

    package static let none = ColumnNames([])

    package var count: Int { ends.count }
}
