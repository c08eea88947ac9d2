import CoreMetrics
import Synchronization

/// The request counter and latency histogram of every (method, status) pair, in a flat table
/// indexed by `NodeMetrics.methodIndex` and `statusIndex`, each pair's handles made the
/// first time it is counted (so the exposition shows only pairs that happened, and the ones
/// `NodeMetrics` makes ahead: every method's `ok`).
///
/// The hot path does no lookup, no lock and no allocation: one atomic load of the pair's
/// handles, then the counter's atomic increment and the histogram's record. The table is raw
/// memory of atomics holding unmanaged references, not an array of objects: reading an
/// object out of an array retains and releases it, and every event loop counting on the same
/// object's reference count was what this avoids. `@unchecked Sendable`: the pointer is set
/// once in `init` and freed in `deinit`; every access in between is an atomic operation.
final class RequestMetricsTable: @unchecked Sendable {
    /// One pair's handles.
    final class Handles: Sendable {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer

        init(requests: CoreMetrics.Counter, duration: CoreMetrics.Timer) {
            self.requests = requests
            self.duration = duration
        }
    }

    typealias Slot = Atomic<Unmanaged<Handles>?>

    let methods: Int
    let statuses: Int
    private let slots: UnsafeMutablePointer<Slot>
    /// Makes the handles of (method index, status index).
    private let make: @Sendable (Int, Int) -> Handles

    init(methods: Int, statuses: Int, make: @escaping @Sendable (Int, Int) -> Handles) {
        self.methods = methods
        self.statuses = statuses
        self.make = make
        slots = .allocate(capacity: methods * statuses)
        for index in 0..<(methods * statuses) {
            (slots + index).initialize(to: Slot(nil))
        }
    }

    deinit {
        for index in 0..<(methods * statuses) {
            slots[index].load(ordering: .acquiring)?.release()
        }
        slots.deinitialize(count: methods * statuses)
        slots.deallocate()
    }

    /// Counts one request of `method` answered with `status` after `nanoseconds`.
    @inline(__always)
    func record(method: Int, status: Int, nanoseconds: Int64) {
        precondition(method >= 0 && method < methods && status >= 0 && status < statuses, "a method or status index out of the table")
        let handles = self.handles(at: method * statuses + status)
        handles._withUnsafeGuaranteedRef { handles in
            handles.requests.increment()
            handles.duration.recordNanoseconds(nanoseconds)
        }
    }

    /// Makes the handles of a pair now (for the pairs the exposition should show from the start).
    func prepare(method: Int, status: Int) {
        _ = handles(at: method * statuses + status)
    }

    /// The handles in slot `index`, made and published first if there are none yet. Two
    /// threads may both make them; one wins, the other releases its own (the registry hands
    /// both the same underlying metric, so nothing is counted twice or lost).
    @inline(__always)
    private func handles(at index: Int) -> Unmanaged<Handles> {
        if let existing = slots[index].load(ordering: .acquiring) { return existing }
        let made = Unmanaged.passRetained(make(index / statuses, index % statuses))
        let (exchanged, original) = slots[index].compareExchange(expected: nil, desired: made, ordering: .acquiringAndReleasing)
        if exchanged { return made }
        made.release()
        return original!
    }
}
