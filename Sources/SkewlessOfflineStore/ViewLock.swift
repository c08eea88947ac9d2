#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SkewlessModel

/// The exclusive right to change one view version's directory (ingest, compact), held as
/// an `flock` on its `LOCK` file until released or the process exits. Only the holder
/// deletes files, so it never deletes another writer's segments in progress.
final class ViewLock {
    private var descriptor: Int32

    /// - Parameter busy: the error's message when another process holds the lock.
    init(path: String, view: String, busy: String? = nil) throws(SkewlessError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DiskFile.failure("open the lock file", path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            // Closes the descriptor and marks it closed. Every stored property is set, so
            // throwing also runs deinit, whose release() then does nothing: a bare close
            // here let deinit close the same number again, after another thread could have
            // opened a file under it (which then failed with "Bad file descriptor").
            release()
            throw SkewlessError(.aborted, busy ?? "another writer (an ingest, a compaction or the write log's sealer) is changing \(view): wait for it to finish and retry")
        }
    }

    func release() {
        guard descriptor >= 0 else { return }
        _ = flock(descriptor, LOCK_UN)
        _ = close(descriptor)
        descriptor = -1
    }

    deinit {
        release()
    }
}
