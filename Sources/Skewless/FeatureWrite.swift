import SkewlessWire

/// One row to write into a feature view: its entity, its event time and its values.
/// Fields left out are null in the written row (rows are written whole).
public struct FeatureWrite: Sendable, Hashable {
    /// Join key name -> value, for every join key of the view.
    public var entity: [String: KeyPart]
    /// When the values became true in the world, microseconds since the epoch.
    public var eventTime: Int64
    /// Must be nil for `FeatureClient.write`: the created time of a written row is the time
    /// the write log accepted it (`WriteSummary.acceptedTime`), so that training sets "as of
    /// known time" stay honest. Rows with created times of their own (a backfill with
    /// Feast-style `created_timestamp` columns) go in with `fsctl ingest`.
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

/// What an acknowledged write did.
///
/// An acknowledgement means (docs/write-log.md, "The acknowledgement"): the batch is in the
/// view's write log in the offline store, fsynced (training sets see it from now on, and a
/// restart of every node keeps it), and every replica of its rows' partitions that answered
/// within the node's replica timeout has applied it, so a read from any of them sees these
/// rows or newer ones. `minReplicasApplied` below the replication factor, and
/// `missedReplicas`, say when a replica did not answer: it catches up from the log.
public struct WriteSummary: Sendable, Hashable {
    /// Rows that became the latest for their entity (on the first replica that applied each).
    public var rowsWritten: Int
    /// Rows older (event time, then created time) than what the node holds, which it kept.
    /// They are still recorded in the offline store's history.
    public var rowsIgnoredOlder: Int
    /// true when the store had already accepted this batch's idempotency key (a retry):
    /// nothing was stored twice.
    public var isDuplicate: Bool
    /// When the write log accepted the batch, microseconds since the epoch: the created
    /// time of its rows.
    public var acceptedTime: Int64
    /// The fewest replicas that applied any one row (the replication factor when all did;
    /// 1 on a single node).
    public var minReplicasApplied: Int
    /// Node ids of replicas that did not apply their rows in time; empty when all did.
    public var missedReplicas: [String]

    public init(
        rowsWritten: Int, rowsIgnoredOlder: Int, isDuplicate: Bool = false, acceptedTime: Int64 = 0,
        minReplicasApplied: Int = 1, missedReplicas: [String] = []
    ) {
        self.rowsWritten = rowsWritten
        self.rowsIgnoredOlder = rowsIgnoredOlder
        self.isDuplicate = isDuplicate
        self.acceptedTime = acceptedTime
        self.minReplicasApplied = minReplicasApplied
        self.missedReplicas = missedReplicas
    }
}

extension WriteSummary {
    init(_ response: Skewless_V1_WriteFeaturesResponse) {
        self.init(
            rowsWritten: Int(response.rowsWritten), rowsIgnoredOlder: Int(response.rowsIgnoredOlder),
            isDuplicate: response.duplicate, acceptedTime: response.acceptedTimeMicros,
            minReplicasApplied: Int(response.minReplicasApplied), missedReplicas: response.replicasMissed)
    }
}
