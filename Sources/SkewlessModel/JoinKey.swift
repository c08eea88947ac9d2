/// One column of an entity's key.
public struct JoinKey: Sendable, Hashable {
    public var name: String
    public var type: KeyType

    public init(name: String, type: KeyType) {
        self.name = name
        self.type = type
    }
}
