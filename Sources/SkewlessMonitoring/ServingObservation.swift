import SkewlessModel

/// What the serving nodes reported of one view version: the newest event time among the rows
/// they hold and how their lookups ended. A cluster's observation is its nodes' combined: the
/// newest time of any node, the sum of their counts.
package struct ServingObservation: Sendable, Hashable {
    /// "name@version".
    package var featureView: String
    /// Microseconds since the epoch; nil: no node holds a row of the view.
    package var newestEventTime: Int64?
    package var reads: ReadCounts

    package init(featureView: String, newestEventTime: Int64? = nil, reads: ReadCounts = .zero) {
        self.featureView = featureView
        self.newestEventTime = newestEventTime
        self.reads = reads
    }

    /// Combines two nodes' reports of the same view.
    package func merged(with other: ServingObservation) -> ServingObservation {
        let newest: Int64? = switch (newestEventTime, other.newestEventTime) {
        case let (a?, b?): max(a, b)
        case let (a, b): a ?? b
        }
        return ServingObservation(featureView: featureView, newestEventTime: newest, reads: reads + other.reads)
    }
}
