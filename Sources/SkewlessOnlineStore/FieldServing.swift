import SkewlessModel

/// `ServingRule` worked out once for one field (its policy and whether it has a default),
/// as a table indexed by (row freshness, field null), so the read loop does one lookup.
struct FieldServing: Sendable, Hashable {
    /// Indexed by `freshness.rawValue * 2 + (isNull ? 1 : 0)`.
    private let sources: [ValueSource]

    init(hasDefault: Bool, policy: StalenessPolicy) {
        var sources: [ValueSource] = []
        sources.reserveCapacity(RowFreshness.allCases.count * 2)
        for freshness in RowFreshness.allCases {
            for isNull in [false, true] {
                sources.append(ServingRule.source(freshness: freshness, isNull: isNull, hasDefault: hasDefault, policy: policy))
            }
        }
        self.sources = sources
    }

    @inline(__always)
    func source(_ freshness: RowFreshness, isNull: Bool) -> ValueSource {
        sources[Int(freshness.rawValue) &* 2 &+ (isNull ? 1 : 0)]
    }
}
