/// Rows to write to one feature view version, column by column.
///
/// Each row is written whole: its event time, its created time and one value or null per
/// field of the view. A field that is nil here is null in every row of the batch.
package struct WriteBatch: Sendable {
    /// One per row, in the view's join-key order.
    package var keys: [EntityKey]
    /// When each row's features were true, in microseconds since the epoch. One per row.
    package var eventTimes: [Int64]
    /// When each row was produced, in microseconds since the epoch; it breaks ties between
    /// rows of equal event time. nil stamps every row with the write's `nowMicros`.
    package var createdTimes: [Int64]?
    /// One entry per field of the view, in view order; nil when the field is null in every row.
    package var fields: [FieldValues?]

    package init(keys: [EntityKey], eventTimes: [Int64], createdTimes: [Int64]? = nil, fields: [FieldValues?]) {
        self.keys = keys
        self.eventTimes = eventTimes
        self.createdTimes = createdTimes
        self.fields = fields
    }

    package var rowCount: Int { keys.count }
}
