import SkewlessWire
import Synchronization

/// What a node's anti-entropy loop has done since the node started, for HEALTH
/// (`AntiEntropyStatus`, shown by `fsctl status` and `fsctl health`).
final class AntiEntropyCounters: Sendable {
    struct Snapshot: Sendable, Hashable {
        var enabled = false
        var partitionsCompared: UInt64 = 0
        var partitionsDiffering: UInt64 = 0
        var partitionsUnverifiable: UInt64 = 0
        var rowsRepaired: UInt64 = 0
        var passes: UInt64 = 0
        var lastFullPassMicros: Int64 = 0
    }

    private let state: Mutex<Snapshot>

    init(enabled: Bool) {
        state = Mutex(Snapshot(enabled: enabled))
    }

    var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }

    var wire: Skewless_V1_AntiEntropyStatus {
        let snapshot = self.snapshot
        var status = Skewless_V1_AntiEntropyStatus()
        status.enabled = snapshot.enabled
        status.partitionsCompared = snapshot.partitionsCompared
        status.partitionsDiffering = snapshot.partitionsDiffering
        status.partitionsUnverifiable = snapshot.partitionsUnverifiable
        status.rowsRepaired = snapshot.rowsRepaired
        status.passes = snapshot.passes
        status.lastFullPassMicros = snapshot.lastFullPassMicros
        return status
    }
}
