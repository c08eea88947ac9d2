import SkewlessModel

/// A name the access policy refers to, and where it was written, so that the draft can check
/// it against the whole repo and point at its line.
struct AccessReference {
    enum Kind {
        /// A principal, `group:NAME` or `*`.
        case subject
        /// A member of a group: a principal only.
        case member
        case service
        /// `view` or `view@N`.
        case view
        case feature(FeatureReference)
    }

    var kind: Kind
    var text: String
    var location: SourceLocation
}
