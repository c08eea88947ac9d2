import SkewlessModel

/// One write request of `fsctl push`: checked rows and the idempotency key that every
/// attempt to send them carries, so that the store keeps them once however often they go.
package struct PushBatch: Sendable {
    /// 1, 2, 3... in input order.
    package let number: Int
    /// `push-<run id>-<number>`: at most 64 bytes, as the protocol requires.
    package let key: String
    package let rows: [CheckedRow]
    /// Where its first and last rows are in the input, for messages.
    let firstLocation: InputLocation
    let lastLocation: InputLocation
}

/// What the store said about one batch (the SDK's `WriteSummary`, without the SDK).
package struct PushAcknowledgement: Sendable, Hashable {
    package var rowsWritten: Int
    package var rowsIgnoredOlder: Int
    package var isDuplicate: Bool
    package var minReplicasApplied: Int
    package var missedReplicas: [String]

    package init(rowsWritten: Int, rowsIgnoredOlder: Int, isDuplicate: Bool = false, minReplicasApplied: Int = 1, missedReplicas: [String] = []) {
        self.rowsWritten = rowsWritten
        self.rowsIgnoredOlder = rowsIgnoredOlder
        self.isDuplicate = isDuplicate
        self.minReplicasApplied = minReplicasApplied
        self.missedReplicas = missedReplicas
    }
}
