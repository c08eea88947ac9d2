/// One typed feature of a feature view.
public struct Field: Sendable, Hashable {
    public var name: String
    public var type: FeatureType
    /// Served in place of a missing, null or (policy `serve_default`) stale value.
    public var defaultValue: FeatureValue?
    public var description: String

    public init(name: String, type: FeatureType, defaultValue: FeatureValue? = nil, description: String = "") {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.description = description
    }
}
