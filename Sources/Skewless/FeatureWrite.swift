/// One row to write into a feature view: its entity, its event time and its values.
/// Fields left out are null in the written row (rows are written whole).
public struct FeatureWrite: Sendable, Hashable {
    /// Join key name -> value, for every join key of the view.
    public var entity: [String: KeyPart]
    /// When the values became true in the world, microseconds since the epoch.
    public var eventTime: Int64
    /// When the values were computed; nil lets the node stamp its receive time.
    public var createdTime: Int64?
    /// Field name -> value; nil or absent means null.
    public var values: [String: FeatureValue?]

    public init(entity: [String: KeyPart], eventTime: Int64, createdTime: Int64? = nil, values: [String: FeatureValue?]) {
        self.entity = entity
        self.eventTime = eventTime
        self.createdTime = createdTime
        self.values = values
    }
}

/// What a write did.
public struct WriteSummary: Sendable, Hashable {
    /// Rows that became the latest for their entity.
    public var rowsWritten: Int
    /// Rows older (event time, then created time) than what the node holds, which it kept.
    public var rowsIgnoredOlder: Int

    public init(rowsWritten: Int, rowsIgnoredOlder: Int) {
        self.rowsWritten = rowsWritten
        self.rowsIgnoredOlder = rowsIgnoredOlder
    }
}
