/// A named set of feature references: the contract between a model and the store.
public struct FeatureService: Sendable, Hashable {
    public var name: String
    public var features: [FeatureReference]
    public var owner: String
    public var description: String

    public init(name: String, features: [FeatureReference], owner: String = "", description: String = "") {
        self.name = name
        self.features = features
        self.owner = owner
        self.description = description
    }
}
