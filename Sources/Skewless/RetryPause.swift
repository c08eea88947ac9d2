import NIOCore
import SkewlessModel

/// The pause before a retry, which a cancelled task does not sit out: it ends the call with
/// `CANCELLED` instead (a retry loop must never swallow its caller's cancellation).
enum RetryPause {
    static func sleep(_ amount: TimeAmount) async throws(SkewlessError) {
        do {
            try await Task.sleep(nanoseconds: UInt64(max(0, amount.nanoseconds)))
        } catch {
            throw SkewlessError(.cancelled, "the call was cancelled while it waited to retry")
        }
    }
}
