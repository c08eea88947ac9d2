import Synchronization

/// Fires once, when something has closed (a connection, a connection attempt); tasks wait
/// for it. A waiter whose task is cancelled stops waiting at once.
///
/// It is fired from a channel's event loop, so waiting needs no job on that loop: a
/// connection whose loop has shut down has been closed by it, and has fired its signal.
final class CloseSignal: Sendable {
    private enum State {
        case open(waiters: [UInt64: CheckedContinuation<Void, Never>], nextID: UInt64)
        case closed
    }

    private let state = Mutex(State.open(waiters: [:], nextID: 0))

    var isClosed: Bool {
        state.withLock { if case .closed = $0 { true } else { false } }
    }

    /// Marks it closed and resumes every waiter. Later calls do nothing.
    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard case .open(let waiters, _) = state else { return [] }
            state = .closed
            return Array(waiters.values)
        }
        for waiter in waiters {
            waiter.resume()
        }
    }

    /// Returns once it has fired, or when the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state -> UInt64? in
            guard case .open(let waiters, let nextID) = state else { return nil }
            state = .open(waiters: waiters, nextID: nextID + 1)
            return nextID
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    guard case .open(var waiters, let nextID) = state, !Task.isCancelled else { return true }
                    waiters[id] = continuation
                    state = .open(waiters: waiters, nextID: nextID)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard case .open(var waiters, let nextID) = state else { return nil }
                let waiter = waiters.removeValue(forKey: id)
                state = .open(waiters: waiters, nextID: nextID)
                return waiter
            }
            waiter?.resume()
        }
    }
}
