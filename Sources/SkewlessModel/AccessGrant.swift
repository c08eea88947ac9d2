/// One grant of a feature repo's access policy: what the principals it names may read and
/// write (docs/feature-repo.md, "Access").
///
/// - `readViews`: every non-PII field of these views: `view` (every version) or `view@N`.
/// - `readFeatures`: these fields, PII or not: `view:field` (that field in every version of
///   the view that has it) or `view@N:field`. A field tagged PII is readable only when a grant
///   names it here.
/// - `readServices`: reading through these feature services, for the services' non-PII
///   fields; a service with a PII field also needs that field in `readFeatures`.
/// - `writeViews`: WRITE_FEATURES to these views (`view`: every version, or `view@N`).
public struct AccessGrant: Sendable, Hashable {
    /// Who the grant is for: principal names, `group:NAME`, or `*` (any authenticated principal).
    public var to: [String]
    public var readServices: [String]
    public var readViews: [String]
    public var readFeatures: [FeatureReference]
    public var writeViews: [String]

    public init(to: [String], readServices: [String] = [], readViews: [String] = [], readFeatures: [FeatureReference] = [], writeViews: [String] = []) {
        self.to = to
        self.readServices = readServices
        self.readViews = readViews
        self.readFeatures = readFeatures
        self.writeViews = writeViews
    }

    /// Whether the grant gives anything at all.
    public var isEmpty: Bool {
        readServices.isEmpty && readViews.isEmpty && readFeatures.isEmpty && writeViews.isEmpty
    }
}
