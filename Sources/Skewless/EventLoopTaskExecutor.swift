import Dispatch
import NIOCore
import Synchronization

/// Runs tasks on the threads of an event loop group, so a call that awaits a response
/// resumes on the thread that read it.
///
/// A job enqueued from one of the group's threads runs on that thread's loop (after the
/// loop's current work, with no wake-up between threads); a job from any other thread runs
/// on the group's next loop. Jobs run as nonisolated code with this executor as the task's
/// preferred executor, so a nonisolated async function called in such a task does not hop
/// anywhere on entry.
///
/// With Swift Concurrency on its default pool, every SDK call moves between two threads
/// twice: to the event loop that writes the request, and back to the pool when the
/// response arrives. NIO's `unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`
/// avoids the threads but not the hops: it runs jobs as isolated to the loop, so each entry
/// into a nonisolated async function is enqueued again. This executor avoids both.
///
/// If the group is shut down while tasks still prefer it, the jobs its loops refuse run on
/// Dispatch's global queue instead (after the first refusal, every job does): those tasks go
/// on, and their calls to the client fail with `.failedPrecondition`, rather than waiting
/// for ever on a loop that is gone. Shut a group down after the tasks that use it have ended
/// all the same.
package final class EventLoopTaskExecutor: TaskExecutor {
    package let group: any EventLoopGroup
    /// Set when a loop of the group refused a job: the group has shut down.
    private let groupShutDown = Atomic<Bool>(false)

    package init(group: any EventLoopGroup) {
        self.group = group
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        guard !groupShutDown.load(ordering: .relaxed) else {
            runElsewhere(job)
            return
        }
        let loop = group.any()
        if loop.inEventLoop {
            // The loop runs: it is running this.
            loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
            return
        }
        loop.execute({ job.runSynchronously(on: self.asUnownedTaskExecutor()) }, ifRefused: {
            self.groupShutDown.store(true, ordering: .relaxed)
            self.runElsewhere(job)
        })
    }

    private func runElsewhere(_ job: UnownedJob) {
        DispatchQueue.global().async {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
