import Testing

@testable import SkewlessServer

/// The new-connection rate's arithmetic, on a clock the test moves.
struct AcceptPacingTests {
    static let second: Int64 = 1_000_000_000

    @Test func aFullBucketAcceptsItsBurstAtOnceThenOnePerInterval() {
        var pacing = AcceptPacing(perSecond: 100, burst: 5, now: 0)
        #expect(pacing.nextRead(now: 0, most: 16) == .now(upTo: 5))
        for _ in 0..<5 { pacing.accepted(now: 0) }
        // Empty: the next accept is one interval (10 ms) away.
        #expect(pacing.nextRead(now: 0, most: 16) == .after(nanoseconds: 10_000_000))
        #expect(pacing.nextRead(now: 4_000_000, most: 16) == .after(nanoseconds: 6_000_000))
        #expect(pacing.nextRead(now: 10_000_000, most: 16) == .now(upTo: 1))
        pacing.accepted(now: 10_000_000)
        #expect(pacing.nextRead(now: 10_000_000, most: 16) == .after(nanoseconds: 10_000_000))
    }

    @Test func aReadAcceptsAtMostWhatTheChannelReadsAtOnce() {
        var pacing = AcceptPacing(perSecond: 1_000, burst: 1_000, now: 0)
        #expect(pacing.nextRead(now: 0, most: 16) == .now(upTo: 16))
    }

    /// Connections accepted beyond what a read was allowed are a debt the next read waits out.
    @Test func acceptsBeyondTheTokensDelayTheNextReadUntilRepaid() {
        var pacing = AcceptPacing(perSecond: 100, burst: 1, now: 0)
        for _ in 0..<16 { pacing.accepted(now: 0) }
        // 15 accepts of debt and one token to earn: 16 intervals.
        #expect(pacing.nextRead(now: 0, most: 16) == .after(nanoseconds: 160_000_000))
        #expect(pacing.nextRead(now: 160_000_000, most: 16) == .now(upTo: 1))
    }

    @Test func anIdleSpellRefillsTheBucketToItsBurstAndNoFurther() {
        var pacing = AcceptPacing(perSecond: 10, burst: 3, now: 0)
        for _ in 0..<3 { pacing.accepted(now: 0) }
        #expect(pacing.nextRead(now: 0, most: 16) == .after(nanoseconds: Self.second / 10))
        // An hour later the bucket holds 3, not 36,000.
        let later = 3_600 * Self.second
        #expect(pacing.nextRead(now: later, most: 16) == .now(upTo: 3))
        for _ in 0..<3 { pacing.accepted(now: later) }
        #expect(pacing.nextRead(now: later, most: 16) == .after(nanoseconds: Self.second / 10))
    }

    @Test func theRateHoldsOverManySmallSteps() {
        // 1,000 a second, asked every 100 us for 2 s, taking all a read allows: about 2,000
        // accepted after the burst of 10.
        var pacing = AcceptPacing(perSecond: 1_000, burst: 10, now: 0)
        var accepted = 0
        var now: Int64 = 0
        while now < 2 * Self.second {
            if case .now(let upTo) = pacing.nextRead(now: now, most: 16) {
                for _ in 0..<upTo { pacing.accepted(now: now) }
                accepted += upTo
            }
            now += 100_000
        }
        #expect(accepted >= 2_000 && accepted <= 2_011, "accepted \(accepted)")
    }

    @Test func zeroMeansNoLimit() {
        var pacing = AcceptPacing(perSecond: 0, burst: 1, now: 0)
        for _ in 0..<10_000 { pacing.accepted(now: 0) }
        #expect(pacing.nextRead(now: 0, most: 16) == .now(upTo: 16))
    }
}
