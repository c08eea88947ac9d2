/// The value of one join key: `.int64(42)`, `.string("m_17")`, or a literal (`42`, `"m_17"`).
///
/// A struct with static members rather than an enum, so that a key type added later is a new
/// member, not a case that breaks a `switch` in code already written against this one. Read
/// it with `int64Value` / `stringValue`, or compare `type` with `==`.
public struct KeyPart: Sendable, Hashable, CustomStringConvertible {
    /// The key values, for code inside the package to `switch` over (`part.storage`).
    @usableFromInline
    package enum Storage: Sendable, Hashable {
        case int64(Int64)
        case string(String)
    }

    /// The part as an enum (inside the package: `switch part.storage { ... }`).
    @usableFromInline
    package var storage: Storage

    @inlinable
    package init(_ storage: Storage) {
        self.storage = storage
    }

    @inlinable public static func int64(_ value: Int64) -> KeyPart { KeyPart(.int64(value)) }
    @inlinable public static func string(_ value: String) -> KeyPart { KeyPart(.string(value)) }

    // Not inlined into callers: Swift 6.3's release build crashed in CopyPropagation ("Found
    // ownership error") where this switch, inlined across modules, read a borrowed key part
    // in a loop of a typed-throws function (KeyColumns.append, EntityKeyColumns).
    @inline(never)
    public var type: KeyType {
        switch storage {
        case .int64: return .int64
        case .string: return .string
        }
    }

    /// The value of an int64 key; nil for a string key.
    public var int64Value: Int64? {
        if case .int64(let value) = storage { return value }
        return nil
    }

    /// The value of a string key; nil for an int64 key.
    public var stringValue: String? {
        if case .string(let value) = storage { return value }
        return nil
    }

    public var description: String {
        switch storage {
        case .int64(let v): return String(v)
        case .string(let v): return v
        }
    }
}

extension KeyPart: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    public init(integerLiteral value: Int64) { self.init(.int64(value)) }
    public init(stringLiteral value: String) { self.init(.string(value)) }
}
