import Synchronization

/// The column names a response is expected to carry, kept both as strings and as one run of
/// UTF-8 bytes: decoding compares each received name with `memcmp` against the run, without
/// touching (and atomically retaining) one `String` per column of every response.
///
/// It also keeps the shapes of the latest one-entity answers decoded against these names
/// (`OneRowAnswerTemplate`), so that the next one is checked in one pass before any parsing.
package final class ColumnNames: Sendable {
    package let strings: [String]
    let utf8: [UInt8]
    /// The end of each name in `utf8`; name i spans `ends[i - 1] ..< ends[i]`.
    let ends: [Int]
    /// Most recent first.
    private let latestOneRowTemplates = Mutex<[OneRowAnswerTemplate]>([])
    /// Two shapes: a view's rows found, and not found (a missing row's event time is
    /// shorter), which a read of mixed keys alternates between.
    static let keptOneRowTemplates = 2

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

    /// The shapes of the latest one-entity answers decoded against these names, most
    /// recent first.
    var oneRowTemplates: [OneRowAnswerTemplate] {
        latestOneRowTemplates.withLock { $0 }
    }

    /// Keeps the shape of a one-entity answer that no kept template matched.
    func keep(_ template: OneRowAnswerTemplate) {
        latestOneRowTemplates.withLock { templates in
            templates.insert(template, at: 0)
            if templates.count > Self.keptOneRowTemplates { templates.removeLast() }
        }
    }
}
