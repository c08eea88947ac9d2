/// A thing features describe (a user, a merchant, a (user, merchant) pair), identified by
/// one or more join keys.
public struct Entity: Sendable, Hashable {
    public var name: String
    /// In key order. More than one makes a composite key.
    public var joinKeys: [JoinKey]
    public var description: String

    public init(name: String, joinKeys: [JoinKey], description: String = "") {
        self.name = name
        self.joinKeys = joinKeys
        self.description = description
    }
}
