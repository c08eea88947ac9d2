import SkewlessModel

/// What a served value is made of, and the status it carries.
package enum ValueSource: Sendable, Hashable {
    /// The stored value: `.present` (fresh row) or `.outsideTTL` (stale row, served flagged).
    case stored(ValueStatus)
    /// The field's declared default, with status `.defaulted`.
    case fieldDefault
    /// No value: the type's zero value stands in the output array, with status
    /// `.notFound` (no row) or `.nullValue` (a null field).
    case placeholder(ValueStatus)

    package var status: ValueStatus {
        switch self {
        case .stored(let status), .placeholder(let status): return status
        case .fieldDefault: return .defaulted
        }
    }
}
