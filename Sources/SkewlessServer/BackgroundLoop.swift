import Foundation
import Synchronization

/// A thread of the node's own that runs one round of background work (sealing the write
/// logs, following them) every `interval` seconds until stopped. `stop` wakes it, lets the
/// round in progress finish, and waits for the thread to end, so shutdown never leaves it
/// running. A round that returns true is behind and runs again at once.
final class BackgroundLoop: Sendable {
    private struct State {
        var started = false
        var stopping = false
        var stopped = false
    }

    private let name: String
    private let interval: Double
    private let round: @Sendable () -> Bool
    private let state = Mutex(State())
    private let wakeup = NSCondition()

    init(name: String, interval: Double, round: @escaping @Sendable () -> Bool) {
        self.name = name
        self.interval = interval
        self.round = round
    }

    /// True once `stop` was called: a long round can give up early.
    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Starts the thread; a second call does nothing.
    func start() {
        let begin = state.withLock { state -> Bool in
            guard !state.started, !state.stopping else { return false }
            state.started = true
            return true
        }
        guard begin else { return }
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Ends the thread after the round in progress, and waits for it.
    func stop() {
        let running = state.withLock { state -> Bool in
            state.stopping = true
            return state.started
        }
        wakeup.lock()
        wakeup.broadcast()
        wakeup.unlock()
        guard running else { return }
        while !state.withLock({ $0.stopped }) {
            wakeup.lock()
            _ = wakeup.wait(until: Date(timeIntervalSinceNow: 0.01))
            wakeup.unlock()
        }
    }

    private func run() {
        defer { state.withLock { $0.stopped = true } }
        while !isStopping {
            let behind = round()
            wakeup.lock()
            if !behind, !isStopping {
                _ = wakeup.wait(until: Date(timeIntervalSinceNow: interval))
            }
            wakeup.unlock()
        }
    }
}
