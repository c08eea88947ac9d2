import SkewlessModel

/// The features served for one entity, in a form the printers can take apart from the SDK's
/// `OnlineFeatures` (which only a node's response can build).
package struct FetchedEntity: Sendable, Hashable {
    package struct Feature: Sendable, Hashable {
        /// The resolved name, `view@version:field`.
        package var name: String
        package var value: FeatureValue?
        package var status: ValueStatus
        /// Microseconds since the epoch; nil when no stored row backs the value.
        package var eventTime: Int64?

        package init(name: String, value: FeatureValue?, status: ValueStatus, eventTime: Int64?) {
            self.name = name
            self.value = value
            self.status = status
            self.eventTime = eventTime
        }
    }

    package struct Key: Sendable, Hashable {
        package var name: String
        package var value: KeyPart
    }

    /// The join keys, in the order the request gave them.
    package var keys: [Key]
    package var features: [Feature]

    package init(keys: [Key], features: [Feature]) {
        self.keys = keys
        self.features = features
    }
}
