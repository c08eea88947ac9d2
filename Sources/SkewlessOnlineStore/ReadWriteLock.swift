#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a reader-writer lock: any number of readers at once, or one writer.
/// Writers are preferred on Linux (a waiting writer holds back new readers), so a steady
/// stream of reads cannot starve writes.
///
/// Readers get the value as a borrowed reference and must not change it; `FeatureTable`'s
/// read paths change nothing (see `LockedTable`).
final class ReadWriteLock<Value: AnyObject>: @unchecked Sendable {
    // @unchecked: the value is reached only under the lock, as `withReadLock` (shared, no
    // changes) or `withWriteLock` (exclusive).
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        lock = UnsafeMutablePointer.allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        #if canImport(Glibc)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        let status = pthread_rwlock_init(lock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
        precondition(status == 0, "pthread_rwlock_init failed: \(status)")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// `body` with shared access: other readers may run at the same time.
    func withReadLock<R, E: Error>(_ body: (Value) throws(E) -> R) throws(E) -> R {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(value)
    }

    /// `body` with exclusive access; it may replace the value.
    func withWriteLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(&value)
    }
}
