import SkewlessModel

/// The features served for one entity, in a form the printers can take apart from the SDK's
/// `OnlineFeatures` (which only a node's response can build).
struct FetchedEntity: Sendable, Hashable {
    struct Feature: Sendable, Hashable {
        /// The resolved name, `view@version:field`.
        var name: String
        var value: FeatureValue?
        var status: ValueStatus
        /// Microseconds since the epoch; nil when no stored row backs the value.
        var eventTime: Int64?
    }

    struct Key: Sendable, Hashable {
        var name: String
        var value: KeyPart
    }

    /// The join keys, in the order the request gave them.
    var keys: [Key]
    var features: [Feature]
}
