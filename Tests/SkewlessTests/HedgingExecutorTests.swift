import SkewlessModel
import Synchronization
import Testing
@testable import Skewless

/// Hedged attempts race in a task group: the first success wins, the loser is cancelled,
/// and nothing of the race outlives the call.
@Suite(.timeLimit(.minutes(1)))
struct HedgingExecutorTests {
    typealias Race = HedgingExecutor.StateMachine

    /// Counts the attempts running, and those that saw their cancellation.
    final class Attempts: Sendable {
        let live = Atomic<Int>(0)
        let started = Atomic<Int>(0)
        let cancelled = Atomic<Int>(0)

        /// An attempt that answers `value` after `delay` (never, when nil) unless cancelled.
        func run(_ value: Int, after delay: Duration?) async -> Result<Int, SkewlessError> {
            live.add(1, ordering: .relaxed)
            started.add(1, ordering: .relaxed)
            defer { live.subtract(1, ordering: .relaxed) }
            do {
                try await Task.sleep(for: delay ?? .seconds(3600))
                return .success(value)
            } catch {
                cancelled.add(1, ordering: .relaxed)
                return .failure(SkewlessError(.cancelled, "cancelled"))
            }
        }
    }

    @Test func aHedgedReadTakesTheFirstSuccess() async throws {
        let (release, releaser) = AsyncStream<Void>.makeStream()
        // The first replica answers only after the hedge has: the hedge's answer wins.
        let result = await HedgingExecutor(delay: .milliseconds(1)).execute(
            primary: {
                for await _ in release { break }
                return .success(1)
            },
            hedge: { .success(2) })
        releaser.finish()
        #expect(try result.get() == 2)

        let failedFast = await HedgingExecutor(delay: .seconds(30)).execute(
            primary: { Result<Int, SkewlessError>.failure(SkewlessError(.unavailable, "down")) }, hedge: { .success(2) })
        #expect(throws: SkewlessError.self) { try failedFast.get() }
    }

    @Test func theWinnerCancelsTheLoserAndNothingOutlivesTheRace() async throws {
        let attempts = Attempts()
        let started = ContinuousClock.now
        // The primary never answers; the hedge, started after 5 ms, answers after 5 ms more.
        let result = await HedgingExecutor(delay: .milliseconds(5)).execute(
            primary: { await attempts.run(1, after: nil) }, hedge: { await attempts.run(2, after: .milliseconds(5)) })
        #expect(try result.get() == 2)
        #expect(attempts.live.load(ordering: .relaxed) == 0, "every attempt has ended when the race returns")
        #expect(attempts.cancelled.load(ordering: .relaxed) == 1, "the primary was cancelled")
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func aPrimaryThatAnswersBeforeTheDelayStartsNoHedge() async throws {
        let attempts = Attempts()
        let result = await HedgingExecutor(delay: .seconds(30)).execute(
            primary: { await attempts.run(1, after: .milliseconds(1)) },
            hedge: { await attempts.run(2, after: .zero) })
        #expect(try result.get() == 1)
        #expect(attempts.started.load(ordering: .relaxed) == 1, "no hedge")
        #expect(attempts.live.load(ordering: .relaxed) == 0)
    }

    @Test func cancellingTheCallerEndsBothAttempts() async throws {
        let attempts = Attempts()
        let call = Task {
            await HedgingExecutor(delay: .milliseconds(1)).execute(
                primary: { await attempts.run(1, after: nil) }, hedge: { await attempts.run(2, after: nil) })
        }
        while attempts.live.load(ordering: .relaxed) < 2 {
            try await Task.sleep(for: .milliseconds(1))
        }
        call.cancel()
        let result = await call.value
        #expect(throws: SkewlessError.self) { try result.get() }
        #expect(attempts.live.load(ordering: .relaxed) == 0)
        #expect(attempts.cancelled.load(ordering: .relaxed) == 2)
    }

    // MARK: - The state machine

    @Test func theFirstSuccessEndsTheRace() {
        var race = Race()
        guard case .startHedge = race.timerFired() as Race.Action<Int> else { Issue.record("the timer starts the hedge"); return }
        guard case .finish(.success(2)) = race.hedgeFinished(.success(2)) else { Issue.record("the hedge's success ends it"); return }
        guard case .none = race.primaryFinished(.success(1)) else { Issue.record("the race has ended"); return }
    }

    @Test func aFailureBeforeTheHedgeEndsTheRaceAndTheTimerStartsNothing() {
        var race = Race()
        let down = SkewlessError(.unavailable, "down")
        guard case .finish(.failure(down)) = race.primaryFinished(Result<Int, SkewlessError>.failure(down)) else {
            Issue.record("the primary's failure ends it")
            return
        }
        guard case .none = race.timerFired() as Race.Action<Int> else { Issue.record("no hedge after the end"); return }
    }

    @Test func aFailureWhileTheOtherRunsWaitsForIt() {
        let down = SkewlessError(.unavailable, "down")
        let slow = SkewlessError(.deadlineExceeded, "slow")
        // The primary fails after the hedge started: the hedge may still answer.
        var race = Race()
        _ = race.timerFired() as Race.Action<Int>
        guard case .none = race.primaryFinished(Result<Int, SkewlessError>.failure(down)) else { Issue.record("wait for the hedge"); return }
        guard case .finish(.success(2)) = race.hedgeFinished(.success(2)) else { Issue.record("the hedge saves the read"); return }
        // The hedge fails first, then the primary: the primary's error is the race's.
        var both = Race()
        _ = both.timerFired() as Race.Action<Int>
        guard case .none = both.hedgeFinished(Result<Int, SkewlessError>.failure(slow)) else { Issue.record("wait for the primary"); return }
        guard case .finish(.failure(down)) = both.primaryFinished(Result<Int, SkewlessError>.failure(down)) else {
            Issue.record("both failed: the primary's error")
            return
        }
        // The primary fails, then the hedge: still the primary's error.
        var again = Race()
        _ = again.timerFired() as Race.Action<Int>
        _ = again.primaryFinished(Result<Int, SkewlessError>.failure(down))
        guard case .finish(.failure(down)) = again.hedgeFinished(Result<Int, SkewlessError>.failure(slow)) else {
            Issue.record("both failed: the primary's error")
            return
        }
    }
}
