/// Why a served value is what it is. Every value a node serves carries one.
///
/// A struct with static members rather than an enum, so that a status added later is a new
/// member, not a case that breaks a `switch` in code already written against this one.
/// Compare with `==` (`status == .present`), or ask `hasValue`:
///
/// ```swift
/// if status == .outsideTTL { staleReads += 1 }
/// guard status.hasValue else { return fallback }
/// ```
public struct ValueStatus: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The statuses, for code inside the package to `switch` over (`status.storage`).
    @usableFromInline
    package enum Storage: Sendable, Hashable, CaseIterable {
        case present
        case notFound
        case nullValue
        case outsideTTL
        case defaulted
    }

    @usableFromInline
    package var storage: Storage

    @inlinable
    package init(_ storage: Storage) {
        self.storage = storage
    }

    /// A stored value within the view's TTL.
    public static let present = ValueStatus(.present)
    /// No row for the entity and no declared default: no value.
    public static let notFound = ValueStatus(.notFound)
    /// A fresh row whose field is null, and no declared default: no value.
    public static let nullValue = ValueStatus(.nullValue)
    /// A row older than the TTL, served flagged (policy `serve_flagged`).
    public static let outsideTTL = ValueStatus(.outsideTTL)
    /// The field's declared default, served in place of a missing, null or stale value.
    public static let defaulted = ValueStatus(.defaulted)

    /// Every status this version knows, in the protocol's order.
    public static let allCases: [ValueStatus] = Storage.allCases.map(ValueStatus.init)

    /// Whether a value accompanies this status.
    public var hasValue: Bool {
        switch storage {
        case .present, .outsideTTL, .defaulted: return true
        case .notFound, .nullValue: return false
        }
    }

    /// The status as Swift spells it (`present`, `notFound`, ...); `name` has the protocol's
    /// spelling.
    public var description: String { String(describing: storage) }
}
