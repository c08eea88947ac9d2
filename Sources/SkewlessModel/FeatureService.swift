/// A named set of feature references: the contract between a model and the store.
public struct FeatureService: Sendable, Hashable {
    public var name: String
    public var features: [FeatureReference]
    public var owner: String
    public var description: String
    /// The share of reads of this service whose served rows a node records in the offline
    /// store's served-feature log (docs/served-log.md), 0...1; 0 (the default): none. A read
    /// is in or out as a whole, on every node it touches, by its request id.
    public var logSampleRate: Double

    public init(name: String, features: [FeatureReference], owner: String = "", description: String = "", logSampleRate: Double = 0) {
        self.name = name
        self.features = features
        self.owner = owner
        self.description = description
        self.logSampleRate = logSampleRate
    }
}
