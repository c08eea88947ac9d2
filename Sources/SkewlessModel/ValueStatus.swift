/// Why a served value is what it is. Every value a node serves carries one.
public enum ValueStatus: Sendable, Hashable, CaseIterable {
    /// A stored value within the view's TTL.
    case present
    /// No row for the entity and no declared default: no value.
    case notFound
    /// A fresh row whose field is null, and no declared default: no value.
    case nullValue
    /// A row older than the TTL, served flagged (policy `serve_flagged`).
    case outsideTTL
    /// The field's declared default, served in place of a missing, null or stale value.
    case defaulted

    /// Whether a value accompanies this status.
    public var hasValue: Bool {
        switch self {
        case .present, .outsideTTL, .defaulted: return true
        case .notFound, .nullValue: return false
        }
    }
}
