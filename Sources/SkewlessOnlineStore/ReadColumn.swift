import SkewlessModel

/// The served values of one field for the requested entity keys, row-aligned with them.
///
/// Every array has one element per requested key. Rows whose status has no value
/// (`notFound`, `nullValue`) hold the type's zero value (`FeatureValue.zero`) as a placeholder.
package struct ReadColumn: Sendable, Hashable {
    package var statuses: [ValueStatus]
    /// The stored row's event time, or 0 when there is no row. The same for every field of
    /// one read.
    package var eventTimes: [Int64]
    package var values: ColumnValues

    package init(statuses: [ValueStatus], eventTimes: [Int64], values: ColumnValues) {
        self.statuses = statuses
        self.eventTimes = eventTimes
        self.values = values
    }
}
