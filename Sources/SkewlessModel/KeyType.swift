/// The type of a join key. Join keys are int64 or string.
///
/// A struct with static members rather than an enum, so that a key type added later is a new
/// member, not a case that breaks a `switch`: compare with `==` (`type == .int64`).
public struct KeyType: RawRepresentable, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The key types, for code inside the package to `switch` over (`type.storage`).
    @usableFromInline
    package enum Storage: String, Sendable, Hashable {
        case int64
        case string
    }

    @usableFromInline
    package var storage: Storage

    @inlinable
    package init(_ storage: Storage) {
        self.storage = storage
    }

    public static let int64 = KeyType(.int64)
    public static let string = KeyType(.string)

    /// Every key type this version knows, in the order feature repos list them.
    public static let allCases: [KeyType] = [.int64, .string]

    /// The spelling used in feature repos: `int64`, `string`.
    public var rawValue: String { storage.rawValue }

    /// Parses the feature-repo spelling; nil for anything else.
    public init?(rawValue: String) {
        guard let storage = Storage(rawValue: rawValue) else { return nil }
        self.storage = storage
    }

    public var description: String { rawValue }
}
