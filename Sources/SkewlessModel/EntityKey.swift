/// The key of one entity row in a feature view: the values of the view's join keys, in
/// the order the view declares them. Single-part keys (the common case) are stored
/// without an array so hashing and comparing them costs no allocation.
public struct EntityKey: Sendable, Hashable, CustomStringConvertible {
    @usableFromInline
    enum Storage: Sendable, Hashable {
        case single(KeyPart)
        case composite([KeyPart])
    }

    @usableFromInline
    let storage: Storage

    public init(_ part: KeyPart) {
        storage = .single(part)
    }

    public init(_ parts: [KeyPart]) {
        precondition(!parts.isEmpty, "an entity key has at least one part")
        storage = parts.count == 1 ? .single(parts[0]) : .composite(parts)
    }

    public var parts: [KeyPart] {
        switch storage {
        case .single(let part): return [part]
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
        case .single(let part): return part.description
        case .composite(let parts): return "(" + parts.map(\.description).joined(separator: ", ") + ")"
        }
    }
}
