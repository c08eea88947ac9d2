/// The key of one entity row in a feature view: the values of the view's join keys, in
/// the order the view declares them. Single-part keys (the common case) are stored
/// without an array so hashing and comparing them costs no allocation.
public struct EntityKey: Sendable, Hashable, CustomStringConvertible {
    @usableFromInline
    enum Storage: Sendable, Hashable {
        // The part's own storage, so that the hot paths below match `.single(.int64(let v))`
        // in one pattern.
        case single(KeyPart.Storage)
        case composite([KeyPart])
    }

    @usableFromInline
    let storage: Storage

    public init(_ part: KeyPart) {
        storage = .single(part.storage)
    }

    public init(_ parts: [KeyPart]) {
        precondition(!parts.isEmpty, "an entity key has at least one part")
        storage = parts.count == 1 ? .single(parts[0].storage) : .composite(parts)
    }

    public var parts: [KeyPart] {
        switch storage {
        case .single(let part): return [KeyPart(part)]
        case .composite(let parts): return parts
        }
    }

    public var count: Int {
        switch storage {
        case .single: return 1
        case .composite(let parts): return parts.count
        }
    }

    public var description: String {
        switch storage {
        case .single(let part): return KeyPart(part).description
        case .composite(let parts): return "(" + parts.map(\.description).joined(separator: ", ") + ")"
        }
    }
}

extension EntityKey {
    // Written by hand: the synthesized conformance hashes enum tags at two levels, which
    // made a key lookup cost about four times an Int64 lookup on the store's hot path.

    @inlinable
    public static func == (lhs: EntityKey, rhs: EntityKey) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.single(.int64(let a)), .single(.int64(let b))): return a == b
        case (.single(.string(let a)), .single(.string(let b))): return a == b
        case (.composite(let a), .composite(let b)): return a == b
        default: return false
        }
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        switch storage {
        case .single(.int64(let value)):
            hasher.combine(value)
        case .single(.string(let value)):
            hasher.combine(value)
        case .composite(let parts):
            hasher.combine(parts.count)
            for part in parts {
                switch part.storage {
                case .int64(let value):
                    hasher.combine(UInt8(0))
                    hasher.combine(value)
                case .string(let value):
                    hasher.combine(UInt8(1))
                    hasher.combine(value)
                }
            }
        }
    }
}
