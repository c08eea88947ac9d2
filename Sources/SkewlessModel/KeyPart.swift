/// The value of one join key.
public enum KeyPart: Sendable, Hashable, CustomStringConvertible {
    case int64(Int64)
    case string(String)

    public var type: KeyType {
        switch self {
        case .int64: return .int64
        case .string: return .string
        }
    }

    public var description: String {
        switch self {
        case .int64(let v): return String(v)
        case .string(let v): return v
        }
    }
}

extension KeyPart: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    public init(integerLiteral value: Int64) { self = .int64(value) }
    public init(stringLiteral value: String) { self = .string(value) }
}
