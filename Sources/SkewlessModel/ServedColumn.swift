/// One feature of a GetOnlineFeatures answer for N entity rows: what the node's store
/// produces, what travels on the wire, and what the SDK reads values from.
package struct ServedColumn: Sendable, Hashable {
    /// "view@version:field".
    package var name: String
    package var type: FeatureType
    /// One per row.
    package var statuses: [ValueStatus]
    /// One per row: the stored row's event time, 0 where there is no row.
    package var eventTimes: [Int64]
    /// One per row; rows without a value hold the type's zero value.
    package var values: ColumnValues

    package init(name: String, type: FeatureType, statuses: [ValueStatus], eventTimes: [Int64], values: ColumnValues) {
        self.name = name
        self.type = type
        self.statuses = statuses
        self.eventTimes = eventTimes
        self.values = values
    }
}
