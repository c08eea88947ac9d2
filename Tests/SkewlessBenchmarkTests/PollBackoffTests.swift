import Testing
@testable import SkewlessBenchmark

@Suite struct PollBackoffTests {
    let backoff = PollBackoff(base: 100_000)

    @Test func pollsAtTheBaseIntervalOverTheFirstFiveMilliseconds() {
        #expect(backoff.pause(after: 0) == 100_000)
        #expect(backoff.pause(after: 2_000_000) == 100_000)
        #expect(backoff.pause(after: 5_000_000) == 100_000)
    }

    @Test func thenWaitsAFiftiethOfTheTimeSinceTheSendUpToTheCap() {
        #expect(backoff.pause(after: 10_000_000) == 200_000)
        #expect(backoff.pause(after: 100_000_000) == 2_000_000)
        #expect(backoff.pause(after: 1_000_000_000) == 20_000_000)
        #expect(backoff.pause(after: 60_000_000_000) == 20_000_000)
    }

    @Test func aBaseAboveTheCapWins() {
        #expect(PollBackoff(base: 50_000_000).pause(after: 10_000_000_000) == 50_000_000)
    }
}
