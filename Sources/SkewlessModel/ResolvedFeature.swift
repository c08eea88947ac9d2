/// A feature reference bound to a view of the repo and the index of its field.
public struct ResolvedFeature: Sendable, Hashable {
    public var view: FeatureView
    public var fieldIndex: Int

    public init(view: FeatureView, fieldIndex: Int) {
        self.view = view
        self.fieldIndex = fieldIndex
    }

    public var field: Field { view.fields[fieldIndex] }

    /// "view@version:field", as sent on the wire.
    public var qualifiedName: String { "\(view.qualifiedName):\(field.name)" }
}
