import SkewlessWire
import Synchronization

/// What a node's served-feature log has recorded and dropped since the node started, for
/// HEALTH (`ServedLogStatus`, shown by `fsctl health`). Drops are counted by reason: the
/// queue at its byte budget, or a log that could not be written.
final class ServedLogCounters: Sendable {
    struct Snapshot: Sendable, Hashable {
        var enabled = false
        var recordsLogged: UInt64 = 0
        var rowsLogged: UInt64 = 0
        var bytesWritten: UInt64 = 0
        var droppedQueueFull: UInt64 = 0
        var droppedWriteFailed: UInt64 = 0
        var queuedRecords: UInt64 = 0
        var queuedBytes: UInt64 = 0
        var bytesOnDisk: UInt64 = 0
        var filesDeleted: UInt64 = 0
    }

    private let state: Mutex<Snapshot>

    init(enabled: Bool) {
        state = Mutex(Snapshot(enabled: enabled))
    }

    var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }

    var wire: Skewless_V1_ServedLogStatus {
        let snapshot = self.snapshot
        var status = Skewless_V1_ServedLogStatus()
        status.enabled = snapshot.enabled
        status.recordsLogged = snapshot.recordsLogged
        status.rowsLogged = snapshot.rowsLogged
        status.bytesWritten = snapshot.bytesWritten
        status.droppedQueueFull = snapshot.droppedQueueFull
        status.droppedWriteFailed = snapshot.droppedWriteFailed
        status.queuedRecords = snapshot.queuedRecords
        status.queuedBytes = snapshot.queuedBytes
        status.bytesOnDisk = snapshot.bytesOnDisk
        status.filesDeleted = snapshot.filesDeleted
        return status
    }
}
