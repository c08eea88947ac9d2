import Foundation
import SkewlessModel
import Synchronization
import Testing
@testable import SkewlessOfflineStore

/// The lock a writer holds on a view version, and what a refused writer leaves behind.
@Suite struct ViewLockTests {
    @Test func aSecondWriterIsRefusedUntilTheFirstReleases() throws {
        try TemporaryDirectory.with { directory in
            let path = directory.file("LOCK")
            let first = try ViewLock(path: path, view: "v@1")
            let refusal = #expect(throws: SkewlessError.self) { try ViewLock(path: path, view: "v@1") }
            #expect(refusal?.code == .aborted)
            first.release()
            try ViewLock(path: path, view: "v@1").release()
        }
    }

    /// A refused lock closed its descriptor, then closed the same number again when the
    /// half-made object was freed: by then another thread could have opened a file under
    /// that number (in the test suite, a segment being read), which lost it ("Bad file
    /// descriptor"). Another thread opens and uses files while locks are refused; none of
    /// its descriptors may be closed under it.
    @Test func aRefusedLockClosesNothingElse() throws {
        try TemporaryDirectory.with { directory in
            let path = directory.file("LOCK")
            let holder = try ViewLock(path: path, view: "v@1")
            defer { holder.release() }
            let stop = Atomic(false)
            let lost = Atomic(0)
            let user = Thread {
                while !stop.load(ordering: .relaxed) {
                    let descriptor = open("/dev/null", O_RDONLY | O_CLOEXEC)
                    guard descriptor >= 0 else { continue }
                    var status = stat()
                    for _ in 0..<20 where fstat(descriptor, &status) != 0 {
                        lost.add(1, ordering: .relaxed)
                    }
                    if close(descriptor) != 0 { lost.add(1, ordering: .relaxed) }
                }
            }
            user.start()
            for _ in 0..<3_000 {
                _ = try? ViewLock(path: path, view: "v@1")
            }
            stop.store(true, ordering: .relaxed)
            while !user.isFinished { usleep(1_000) }
            #expect(lost.load(ordering: .relaxed) == 0, "descriptors of another thread were closed under it")
        }
    }
}
