import SkewlessModel

extension HedgingExecutor {
    /// The decisions of a hedged race, apart from its tasks: when to start the hedge and
    /// which outcome ends the race.
    ///
    /// - The first success ends the race.
    /// - A failure of the first attempt before the hedge started ends the race with it (the
    ///   timer is then cancelled: no hedge).
    /// - A failure while the other attempt still runs waits for that one; when both have
    ///   failed, the race ends with the first attempt's error.
    struct StateMachine {
        enum Action<Value> {
            case none
            case startHedge
            case finish(Result<Value, SkewlessError>)
        }

        private enum Attempt {
            case notStarted
            case running
            case failed(SkewlessError)
        }

        private var primary = Attempt.running
        private var hedge = Attempt.notStarted
        private var finished = false

        mutating func timerFired<Value>() -> Action<Value> {
            guard !finished, case .notStarted = hedge, case .running = primary else { return .none }
            hedge = .running
            return .startHedge
        }

        mutating func primaryFinished<Value>(_ result: Result<Value, SkewlessError>) -> Action<Value> {
            guard !finished else { return .none }
            switch result {
            case .success:
                return finish(result)
            case .failure(let error):
                primary = .failed(error)
                switch hedge {
                case .running: return .none  // the hedge may still save the read
                case .notStarted, .failed: return finish(.failure(error))
                }
            }
        }

        mutating func hedgeFinished<Value>(_ result: Result<Value, SkewlessError>) -> Action<Value> {
            guard !finished else { return .none }
            switch result {
            case .success:
                return finish(result)
            case .failure(let error):
                hedge = .failed(error)
                switch primary {
                case .running, .notStarted: return .none
                case .failed(let first): return finish(.failure(first))
                }
            }
        }

        private mutating func finish<Value>(_ result: Result<Value, SkewlessError>) -> Action<Value> {
            finished = true
            return .finish(result)
        }
    }
}
