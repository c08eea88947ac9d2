import SkewlessCompression
import SkewlessModel

/// One feature of a training set: per label row, the value as of the label's time and why.
package struct HistoricalColumn: Sendable {
    package var feature: ResolvedFeature
    /// One per label row; rows whose status is not `present` hold a placeholder.
    package var values: ColumnValues
    /// `present`, `notFound` (no row as of T), `outsideTTL` (the row as of T is older than
    /// the TTL: no value) or `nullValue` (the row as of T has a null).
    package var statuses: [ValueStatus]
    /// The event time of the row as of T (even outside the TTL); nil when there is none.
    package var eventTimes: [Int64?]

    /// The value of `row` as a `FeatureValue`, nil unless present (for people and tests).
    package func value(at row: Int) throws(SkewlessError) -> FeatureValue? {
        statuses[row] == .present ? try values.value(at: row) : nil
    }
}
