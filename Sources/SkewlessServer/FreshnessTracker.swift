import SkewlessModel
import Synchronization

/// Per view version, the newest event time and the newest arrival (created) time among the
/// rows this node has stored since it started: how fresh what it serves is (HEALTH's
/// `freshness`). Updated by every path rows take into the online store: writes, replica
/// applications, materialization and catch-up copies.
final class FreshnessTracker: Sendable {
    struct Times: Sendable, Hashable {
        var newestEventTime: Int64 = 0
        var newestArrival: Int64 = 0
    }

    private let times = Mutex<[String: Times]>([:])

    func note(view: FeatureView, batch: WriteBatch) {
        guard batch.rowCount > 0 else { return }
        let event = batch.eventTimes.max() ?? 0
        let arrival = batch.createdTimes?.max() ?? 0
        times.withLock { times in
            var current = times[view.qualifiedName] ?? Times()
            current.newestEventTime = max(current.newestEventTime, event)
            current.newestArrival = max(current.newestArrival, arrival)
            times[view.qualifiedName] = current
        }
    }

    func times(of view: FeatureView) -> Times {
        times.withLock { $0[view.qualifiedName] ?? Times() }
    }
}
