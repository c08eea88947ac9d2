import NIOCore
import Synchronization

extension EventLoop {
    /// Runs `job` on this loop, like `execute`; when the loop has shut down, calls `refused`
    /// instead, at once, on the calling thread.
    ///
    /// NIO drops a job sent to a loop that has shut down (it prints an error): a caller
    /// waiting for that job to resume it would wait for ever, which is how a client on an
    /// event loop group its owner shut down would hang. Here the job's closure holds a
    /// watch that, freed without having run, reports the refusal. Costs one allocation: for
    /// jobs sent from other threads, never for the loop's own.
    func execute(_ job: @escaping @Sendable () -> Void, ifRefused refused: @escaping @Sendable () -> Void) {
        let watch = UnrunJobWatch(refused)
        execute {
            watch.ran()
            job()
        }
    }
}

/// Calls `refused` when it is freed before `ran()`: the job holding it was dropped unrun.
private final class UnrunJobWatch: Sendable {
    private let refused: @Sendable () -> Void
    private let didRun = Atomic<Bool>(false)

    init(_ refused: @escaping @Sendable () -> Void) {
        self.refused = refused
    }

    func ran() {
        didRun.store(true, ordering: .releasing)
    }

    deinit {
        if !didRun.load(ordering: .acquiring) {
            refused()
        }
    }
}
