import Foundation
import Testing
@testable import SkewlessOnlineStore

/// The lock behind every table: readers together, writers alone. Real threads, since the
/// readers block while holding the lock.
@Suite(.timeLimit(.minutes(1)))
struct ReadWriteLockTests {
    final class Counter {
        var value = 0
    }

    @Test func readersHoldTheLockTogether() {
        let lock = ReadWriteLock(Counter())
        let firstInside = DispatchSemaphore(value: 0)
        let secondInside = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let sawSecond = ManagedFlag()
        Thread.detachNewThread {
            lock.withReadLock { _ in
                firstInside.signal()
                // With an exclusive lock the second reader could not get in while we wait.
                sawSecond.set(secondInside.wait(timeout: .now() + 5) == .success)
            }
            done.signal()
        }
        firstInside.wait()
        Thread.detachNewThread {
            lock.withReadLock { _ in _ = secondInside.signal() }
            done.signal()
        }
        done.wait()
        done.wait()
        #expect(sawSecond.value, "the second reader got in while the first held the lock")
    }

    @Test func writersAreAlone() {
        let lock = ReadWriteLock(Counter())
        let threads = 4
        let increments = 20_000
        let finished = DispatchSemaphore(value: 0)
        let tornReads = ManagedFlag()
        for _ in 0..<threads {
            Thread.detachNewThread {
                for _ in 0..<increments {
                    lock.withWriteLock { counter in
                        // Two steps: a reader or another writer in between would see an odd value.
                        counter.value += 1
                        counter.value += 1
                    }
                }
                finished.signal()
            }
        }
        Thread.detachNewThread {
            for _ in 0..<increments where lock.withReadLock({ $0.value % 2 != 0 }) {
                tornReads.set(true)
            }
            finished.signal()
        }
        for _ in 0...threads { finished.wait() }
        #expect(lock.withReadLock { $0.value } == 2 * threads * increments)
        #expect(!tornReads.value, "a reader saw a write half done")
    }
}

/// A flag set on one thread and read on another.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.withLock { flag } }
    func set(_ value: Bool) { lock.withLock { flag = value } }
}
