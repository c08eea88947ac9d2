import Foundation

extension Date {
    /// The date `microseconds` after the Unix epoch: Skewless's unit for event, created and
    /// timestamp values (`OnlineFeatures.Row.eventTime`, `FeatureWrite.eventTime`).
    public init(microsecondsSinceEpoch microseconds: Int64) {
        self.init(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    /// Microseconds since the Unix epoch, rounded to the nearest: what the feature store
    /// stores for this date.
    public var microsecondsSinceEpoch: Int64 {
        Int64((timeIntervalSince1970 * 1_000_000).rounded())
    }
}
