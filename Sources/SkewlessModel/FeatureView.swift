/// A versioned, typed group of features sharing entities, a TTL and a staleness policy.
/// A breaking change of schema needs a new version; both versions may be served at once.
public struct FeatureView: Sendable, Hashable {
    public var name: String
    public var version: Int
    /// Entity names; the view's key is their join keys, concatenated in this order.
    public var entities: [String]
    public var fields: [Field]
    /// Rows older than this (event time against now) are stale. Every view has one.
    public var ttlSeconds: Int64
    public var stalenessPolicy: StalenessPolicy
    public var owner: String
    public var description: String
    public var tags: [String: String]
    /// Freshness, completeness and drift objectives (`objectives:` in the repo).
    public var objectives: ViewObjectives

    public init(
        name: String,
        version: Int = 1,
        entities: [String],
        fields: [Field],
        ttlSeconds: Int64,
        stalenessPolicy: StalenessPolicy = .serveFlagged,
        owner: String = "",
        description: String = "",
        tags: [String: String] = [:],
        objectives: ViewObjectives = ViewObjectives()
    ) {
        self.name = name
        self.version = version
        self.entities = entities
        self.fields = fields
        self.ttlSeconds = ttlSeconds
        self.stalenessPolicy = stalenessPolicy
        self.owner = owner
        self.description = description
        self.tags = tags
        self.objectives = objectives
    }

    /// "name@version", the identity of a view on the wire and in storage.
    public var qualifiedName: String { "\(name)@\(version)" }

    public func fieldIndex(named name: String) -> Int? {
        fields.firstIndex { $0.name == name }
    }
}
