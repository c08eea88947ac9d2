import Foundation
import SkewlessModel

extension FeatureWrite {
    /// A row whose event time is a `Date` (kept to the microsecond).
    public init(entity: [String: KeyPart], eventDate: Date, values: [String: FeatureValue?]) {
        self.init(entity: entity, eventTime: eventDate.microsecondsSinceEpoch, values: values)
    }
}

extension FeatureColumns {
    /// Rows whose event times are `Date`s (kept to the microsecond), one per row.
    public init(eventDates: [Date]) {
        self.init(eventTimes: eventDates.map(\.microsecondsSinceEpoch))
    }
}

extension WriteSummary {
    /// When the write log accepted the batch, as a `Date`: the created time of its rows.
    public var acceptedDate: Date { Date(microsecondsSinceEpoch: acceptedTime) }
}

extension FeatureValue {
    /// A timestamp value from a `Date` (kept to the microsecond).
    public static func timestamp(_ date: Date) -> FeatureValue {
        .timestamp(date.microsecondsSinceEpoch)
    }

    /// A timestamp value as a `Date`; nil for any other type (`timestampMicros` has the
    /// microseconds).
    public var dateValue: Date? {
        timestampMicros.map { Date(microsecondsSinceEpoch: $0) }
    }
}
