import Synchronization

/// A read sent to one replica and, if it has not answered after a delay, to others as well:
/// the first success wins, and the loser's answer is dropped when it comes.
///
/// A failure of the first read before the delay ends the race at once (the caller then fails
/// over as usual); a failure after the hedge started waits for the hedge.
final class HedgedRead<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result<Value, SkewlessError>, Never>?
        var primaryFailure: SkewlessError?
        var hedgeStarted = false
        var hedgeFailed = false
        var timer: Task<Void, Never>?
    }

    private let state = Mutex(State())

    func run(
        primary: @escaping @Sendable () async -> Result<Value, SkewlessError>,
        hedge: @escaping @Sendable () async -> Result<Value, SkewlessError>,
        after delay: Duration
    ) async -> Result<Value, SkewlessError> {
        await withCheckedContinuation { continuation in
            state.withLock { $0.continuation = continuation }
            let timer = Task {
                try? await Task.sleep(for: delay)
                guard !Task.isCancelled else { return }
                let start = self.state.withLock { state -> Bool in
                    guard state.continuation != nil, state.primaryFailure == nil else { return false }
                    state.hedgeStarted = true
                    return true
                }
                guard start else { return }
                self.hedgeFinished(await hedge())
            }
            state.withLock { $0.timer = timer }
            Task {
                self.primaryFinished(await primary())
            }
        }
    }

    private func primaryFinished(_ result: Result<Value, SkewlessError>) {
        let resume = state.withLock { state -> (CheckedContinuation<Result<Value, SkewlessError>, Never>, Result<Value, SkewlessError>)? in
            guard let continuation = state.continuation else { return nil }
            switch result {
            case .success:
                break
            case .failure(let error):
                // While the hedge runs, its answer may still save the read.
                if state.hedgeStarted && !state.hedgeFailed {
                    state.primaryFailure = error
                    return nil
                }
                state.primaryFailure = error
            }
            state.continuation = nil
            state.timer?.cancel()
            return (continuation, result)
        }
        if let (continuation, result) = resume {
            continuation.resume(returning: result)
        }
    }

    private func hedgeFinished(_ result: Result<Value, SkewlessError>) {
        let resume = state.withLock { state -> (CheckedContinuation<Result<Value, SkewlessError>, Never>, Result<Value, SkewlessError>)? in
            guard let continuation = state.continuation else { return nil }
            if case .failure = result {
                state.hedgeFailed = true
                // Wait for the first read unless it has failed too.
                guard let primaryFailure = state.primaryFailure else { return nil }
                state.continuation = nil
                return (continuation, .failure(primaryFailure))
            }
            state.continuation = nil
            return (continuation, result)
        }
        if let (continuation, result) = resume {
            continuation.resume(returning: result)
        }
    }
}
