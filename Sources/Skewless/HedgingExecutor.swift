import SkewlessModel

/// Runs an attempt and, if it has not answered after `delay`, a second one beside it (to
/// other replicas): the first success wins and the other is cancelled (grpc-swift's
/// `HedgingExecutor`, for two attempts).
///
/// Both attempts and the timer are child tasks of one task group in the calling task: when
/// `execute` returns, the loser has been cancelled and has ended (a cancelled request ends at
/// once and leaves its connection usable), and nothing of the race is left running. The
/// decisions are `HedgingExecutor.StateMachine`'s.
struct HedgingExecutor: Sendable {
    /// How long the first attempt has before the second starts.
    let delay: Duration

    private enum Event<Value: Sendable>: Sendable {
        case primary(Result<Value, SkewlessError>)
        case hedge(Result<Value, SkewlessError>)
        case timerFired
        case timerCancelled
    }

    /// The first success of `primary` and (after `delay`) `hedge`. A failure of `primary`
    /// before the delay ends the race at once (the caller then fails over as usual); a
    /// failure of either while the other still runs waits for the other.
    func execute<Value: Sendable>(
        primary: @escaping @Sendable () async -> Result<Value, SkewlessError>,
        hedge: @escaping @Sendable () async -> Result<Value, SkewlessError>
    ) async -> Result<Value, SkewlessError> {
        let delay = self.delay
        return await withTaskGroup(of: Event<Value>.self, returning: Result<Value, SkewlessError>.self) { group in
            group.addTask { .primary(await primary()) }
            group.addTask {
                do {
                    try await Task.sleep(for: delay)
                    return .timerFired
                } catch {
                    return .timerCancelled
                }
            }
            var race = StateMachine()
            while let event = await group.next() {
                let action: StateMachine.Action<Value>
                switch event {
                case .primary(let result): action = race.primaryFinished(result)
                case .hedge(let result): action = race.hedgeFinished(result)
                case .timerFired: action = race.timerFired()
                case .timerCancelled: action = .none
                }
                switch action {
                case .none:
                    continue
                case .startHedge:
                    group.addTask { .hedge(await hedge()) }
                case .finish(let result):
                    group.cancelAll()
                    return result
                }
            }
            // Every attempt ended without a decision: cannot happen (the state machine
            // decides when the last attempt ends); fail rather than hang.
            return .failure(SkewlessError(.internal, "a hedged read ended without an answer"))
        }
    }
}
