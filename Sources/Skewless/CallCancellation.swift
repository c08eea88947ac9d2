import Synchronization

/// Links a waiting call to its request on a connection, so that cancelling the calling task
/// ends the call at once: before the request is sent (it is never sent), or after (the
/// dispatcher drops its pending entry and resumes it with `CANCELLED`; a response arriving
/// later is ignored, and the connection stays usable).
///
/// The caller's cancellation handler and the dispatcher (on the channel's event loop) race;
/// the state decides who acts: whichever comes second sees what the first did.
final class CallCancellation: Sendable {
    private enum State {
        case unsent
        case sent(requestID: UInt64)
        case cancelled
    }

    private let state = Mutex(State.unsent)

    /// The dispatcher is about to send the request as `requestID`.
    /// - Returns: false when the call was cancelled first: do not send it.
    func sending(as requestID: UInt64) -> Bool {
        state.withLock { state in
            if case .cancelled = state { return false }
            state = .sent(requestID: requestID)
            return true
        }
    }

    /// The calling task was cancelled.
    /// - Returns: the request to drop when it was already sent; nil when it was not (the
    ///   dispatcher will not send it).
    func cancel() -> UInt64? {
        state.withLock { state in
            switch state {
            case .sent(let requestID):
                return requestID
            case .unsent, .cancelled:
                state = .cancelled
                return nil
            }
        }
    }

    static func error(_ peer: String) -> SkewlessError {
        SkewlessError(.cancelled, "the call to \(peer) was cancelled (its task was)")
    }
}
