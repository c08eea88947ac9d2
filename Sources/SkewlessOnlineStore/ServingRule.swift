import SkewlessModel

/// The production rule for what a read serves for one field of one entity.
///
/// Any store that answers feature reads (this online store, the offline store for
/// training data) must apply exactly this rule, or training and serving disagree.
///
/// | Row                      | Field non-null          | Field null                              |
/// |--------------------------|-------------------------|-----------------------------------------|
/// | missing                  | default → `.defaulted`, else `.notFound` | (same)                 |
/// | fresh                    | stored → `.present`     | default → `.defaulted`, else `.nullValue` |
/// | stale, `serveFlagged`    | stored → `.outsideTTL`  | default → `.defaulted`, else `.nullValue` |
/// | stale, `serveDefault`    | default → `.defaulted`  | default → `.defaulted`                  |
/// | stale, `failClosed`      | the whole read fails with `failedPrecondition` (checked by the caller) |
///
/// Staleness is decided per row by `RowFreshness(eventTime:nowMicros:ttlSeconds:)`: age
/// strictly greater than the TTL. A `serveDefault` field without a default (which a
/// validated repo never has) is served as under `serveFlagged`, so the rule is total.
package enum ServingRule {
    /// The source of the value for one field of one entity.
    /// - Parameters:
    ///   - freshness: the row's state at read time.
    ///   - isNull: whether the field is null in the row (ignored for a missing row).
    ///   - hasDefault: whether the field declares a default.
    ///   - policy: the view's staleness policy. `failClosed` is answered as `serveFlagged`:
    ///     the caller must refuse the whole read before asking about a stale row.
    package static func source(
        freshness: RowFreshness,
        isNull: Bool,
        hasDefault: Bool,
        policy: StalenessPolicy
    ) -> ValueSource {
        switch freshness {
        case .missing:
            return hasDefault ? .fieldDefault : .placeholder(.notFound)
        case .fresh:
            if isNull { return hasDefault ? .fieldDefault : .placeholder(.nullValue) }
            return .stored(.present)
        case .stale:
            if policy == .serveDefault, hasDefault { return .fieldDefault }
            if isNull { return hasDefault ? .fieldDefault : .placeholder(.nullValue) }
            return .stored(.outsideTTL)
        }
    }
}
