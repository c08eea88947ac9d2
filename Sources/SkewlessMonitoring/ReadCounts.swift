import SkewlessModel

/// How the lookups of one view version ended, counted by the nodes that served them: one
/// count per served value, by its `ValueStatus`.
package struct ReadCounts: Sendable, Hashable, Codable {
    package var present: UInt64
    package var notFound: UInt64
    package var null: UInt64
    package var outsideTTL: UInt64
    package var defaulted: UInt64

    package init(present: UInt64 = 0, notFound: UInt64 = 0, null: UInt64 = 0, outsideTTL: UInt64 = 0, defaulted: UInt64 = 0) {
        self.present = present
        self.notFound = notFound
        self.null = null
        self.outsideTTL = outsideTTL
        self.defaulted = defaulted
    }

    package static let zero = ReadCounts()

    package var total: UInt64 { present + notFound + null + outsideTTL + defaulted }

    /// The share of lookups that found a stored value within the TTL: `present` over all.
    /// A default, a null, a stale value served flagged and a missing row all count against
    /// it: each is a lookup the model did not get a fresh stored value for. nil: no lookups.
    package var completeness: Double? {
        total == 0 ? nil : Double(present) / Double(total)
    }

    package static func + (a: ReadCounts, b: ReadCounts) -> ReadCounts {
        ReadCounts(
            present: a.present + b.present, notFound: a.notFound + b.notFound, null: a.null + b.null,
            outsideTTL: a.outsideTTL + b.outsideTTL, defaulted: a.defaulted + b.defaulted)
    }

    /// The lookups counted between an earlier reading and this one. A node that restarted
    /// in between counts from zero again: its later reading is all it served since.
    package func since(_ earlier: ReadCounts) -> ReadCounts {
        guard present >= earlier.present, notFound >= earlier.notFound, null >= earlier.null,
              outsideTTL >= earlier.outsideTTL, defaulted >= earlier.defaulted
        else { return self }
        return ReadCounts(
            present: present - earlier.present, notFound: notFound - earlier.notFound, null: null - earlier.null,
            outsideTTL: outsideTTL - earlier.outsideTTL, defaulted: defaulted - earlier.defaulted)
    }
}
