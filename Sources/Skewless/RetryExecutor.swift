import NIOCore
import SkewlessModel

/// Runs a call's attempts as its `RetryPolicy` says (the way grpc-swift's `RetryExecutor`
/// does for a method's retry policy): an attempt that fails with a retryable code is made
/// again after the policy's pause, while attempts and the deadline last; any other failure
/// ends the call.
///
/// It runs in the calling task: no task, no allocation, and nothing at all beyond the first
/// attempt when that one succeeds. A cancelled caller does not sit out a pause: the call ends
/// with `CANCELLED` (`RetryPause`).
struct RetryExecutor: Sendable {
    let policy: RetryPolicy

    /// `attempt(n)` for n = 1, 2, ... until one returns.
    /// - Throws: the last attempt's error, or `CANCELLED` when the caller was cancelled
    ///   during a pause.
    nonisolated(nonsending) func execute<T>(
        deadline: NIODeadline, _ attempt: nonisolated(nonsending) (_ number: Int) async throws(SkewlessError) -> T
    ) async throws(SkewlessError) -> T {
        var number = 1
        while true {
            do {
                return try await attempt(number)
            } catch {
                switch policy.decision(after: error, attempt: number, remaining: .nanoseconds((deadline - .now()).nanoseconds)) {
                case .fail(let final):
                    throw final
                case .retry(let pause):
                    try await RetryPause.sleep(.nanoseconds(pause.nanosecondsClamped))
                    number += 1
                }
            }
        }
    }
}
