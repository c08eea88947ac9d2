#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A thread of the node's own that runs rounds of background work (sealing the write logs,
/// following them, reconciling partitions, loading the store at start) until stopped. Each
/// round says how long to pause before the next (`Pause`): none, an interval, until woken.
/// `wake` cuts a pause short (a change the work waits for); `stop` wakes the thread, lets the
/// round in progress finish, and waits for the thread to end, so shutdown never leaves it
/// running. Nothing polls: the thread sleeps on a condition until woken, stopped or its pause
/// is over.
final class BackgroundLoop: Sendable {
    /// What the thread does after a round.
    enum Pause: Sendable, Hashable {
        /// The next round at once (the work is behind).
        case none
        /// The next round after this many seconds, or sooner when woken or stopped.
        case upTo(seconds: Double)
        /// The next round once woken (or stopped).
        case untilWoken
        /// The work is done: the thread ends.
        case finished
    }

    private struct State {
        var started = false
        var stopping = false
        /// `wake` was called since the last round began.
        var woken = false
        /// The thread has ended (or never started and never will).
        var ended = false
    }

    private let name: String
    /// The thread's nice value (0: as the process; higher yields the CPU to serving).
    private let niceness: Int32
    private let round: @Sendable () -> Pause
    private let state = Mutex(State())
    /// What the thread pauses on and `stop` waits on. Every change of `state` that either
    /// waits for is made before this condition's lock is taken to broadcast it, and each
    /// checks `state` while holding that lock, so no wake-up is lost between a check and a
    /// wait.
    private let condition = NSCondition()

    /// - Parameters:
    ///   - name: the thread's name, as `top -H` and debuggers show it: at most 15 bytes, the
    ///     most Linux keeps (a longer name is not applied at all).
    ///   - niceness: the thread's nice value on Linux (per thread there), 0 to 19: work that
    ///     must not take the CPU from the event loops when both want it runs above 0.
    ///   - round: one round of work; it runs on the loop's thread only.
    init(name: String, niceness: Int32 = 0, round: @escaping @Sendable () -> Pause) {
        precondition(name.utf8.count <= 15, "thread name '\(name)' is over the 15 bytes Linux keeps")
        self.name = name
        self.niceness = niceness
        self.round = round
    }

    /// A loop that runs `round` every `interval` seconds; a round that returns true is
    /// behind and runs again at once.
    convenience init(name: String, interval: Double, round: @escaping @Sendable () -> Bool) {
        self.init(name: name) { round() ? .none : .upTo(seconds: interval) }
    }

    /// True once `stop` was called: a long round can give up early.
    var isStopping: Bool { state.withLock { $0.stopping } }

    /// True from `start` until the thread has ended.
    var isRunning: Bool { state.withLock { $0.started && !$0.ended } }

    /// Starts the thread; a second call, or one after `stop`, does nothing.
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

    /// Ends a pause now (or skips the next one, when a round is running): something the
    /// work waits for has changed.
    func wake() {
        state.withLock { $0.woken = true }
        broadcast()
    }

    /// Ends the thread after the round in progress, and waits for it. Never call it from a
    /// round: the thread would wait for itself.
    func stop() {
        state.withLock { $0.stopping = true }
        broadcast()
        condition.lock()
        defer { condition.unlock() }
        while state.withLock({ $0.started && !$0.ended }) {
            condition.wait()
        }
    }

    private func broadcast() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        // Foundation's `Thread.name` did not reach the kernel's name of the thread here (top
        // -H and /proc/PID/task/*/comm showed Dispatch's), so the thread names itself, through
        // /proc (pthread_setname_np is hidden from Swift without _GNU_SOURCE).
        #if canImport(Glibc)
        let file = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        if file >= 0 {
            _ = name.withCString { write(file, $0, strlen($0)) }
            close(file)
        }
        // Linux keeps a nice value per thread: PRIO_PROCESS 0 is this thread alone.
        if niceness != 0 {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        }
        #endif
        defer {
            state.withLock { $0.ended = true }
            broadcast()
        }
        while !isStopping {
            state.withLock { $0.woken = false }
            let pause = round()
            let deadline: Date?
            switch pause {
            case .none: continue
            case .finished: return
            case .untilWoken: deadline = nil
            case .upTo(let seconds): deadline = Date(timeIntervalSinceNow: seconds)
            }
            condition.lock()
            while !state.withLock({ $0.stopping || $0.woken }) {
                if let deadline {
                    guard condition.wait(until: deadline) else { break }
                } else {
                    condition.wait()
                }
            }
            condition.unlock()
        }
    }
}
