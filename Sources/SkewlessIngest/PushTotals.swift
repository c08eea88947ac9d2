/// Counts of a push so far: what progress lines and the final summary show.
package struct PushTotals: Sendable, Hashable {
    /// Rows that passed the checks (sent or to be sent).
    package var rowsRead = 0
    /// Rows left out because they were bad.
    package var badRows = 0
    /// Rows of acknowledged batches: stored.
    package var rowsAcknowledged = 0
    /// Of those, rows that became the latest for their entity, and rows older than what
    /// the node held (kept out of the online store, still recorded offline).
    package var rowsWritten = 0
    package var rowsIgnoredOlder = 0
    package var batchesAcknowledged = 0
    /// Acknowledged batches the store had already accepted (a retry of a batch whose
    /// first attempt succeeded unseen): stored once.
    package var duplicateBatches = 0
    package var inFlight = 0
    /// Acknowledgements that reported replicas which missed their rows, and which.
    package var batchesWithMissedReplicas = 0
    package var missedReplicas: Set<String> = []
    /// The fewest replicas any acknowledged batch reached (nil before the first, or when
    /// the node does not say).
    package var minReplicasApplied: Int?
    /// Attempts that failed and were retried.
    package var retries = 0
    /// Rows read but not sent because the push failed.
    package var rowsNotSent = 0
    package var bytesRead = 0

    package init() {}

    mutating func add(_ acknowledgement: PushAcknowledgement, rows: Int) {
        rowsAcknowledged += rows
        rowsWritten += acknowledgement.rowsWritten
        rowsIgnoredOlder += acknowledgement.rowsIgnoredOlder
        batchesAcknowledged += 1
        if acknowledgement.isDuplicate { duplicateBatches += 1 }
        if !acknowledgement.missedReplicas.isEmpty {
            batchesWithMissedReplicas += 1
            missedReplicas.formUnion(acknowledgement.missedReplicas)
        }
        if acknowledgement.minReplicasApplied > 0 {
            minReplicasApplied = min(minReplicasApplied ?? .max, acknowledgement.minReplicasApplied)
        }
    }
}
