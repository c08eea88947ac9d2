/// One typed feature of a feature view.
public struct Field: Sendable, Hashable {
    public var name: String
    public var type: FeatureType
    /// Served in place of a missing, null or (policy `serve_default`) stale value.
    public var defaultValue: FeatureValue?
    public var description: String
    /// Personal data: readable only by principals whose grant names this field
    /// (`AccessPolicy`), never through a grant of its whole view or of a service.
    public var pii: Bool

    public init(name: String, type: FeatureType, defaultValue: FeatureValue? = nil, description: String = "", pii: Bool = false) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.description = description
        self.pii = pii
    }
}
