import SkewlessCluster
import SkewlessControl
import Testing

struct FailureDetectorTests {
    let node = try! NodeID("node-1")

    private func detector() -> FailureDetector {
        var configuration = FailureDetector.Configuration()
        configuration.timeoutMicros = 3_000_000
        configuration.recoveryMicros = 5_000_000
        configuration.maximumRecoveryMicros = 40_000_000
        return FailureDetector(configuration: configuration)
    }

    @Test func aSilentNodeIsDownAfterTheTimeoutAndNotBefore() {
        var detector = detector()
        detector.observe(node, answered: true, nowMicros: 0)
        detector.observe(node, answered: false, nowMicros: 500_000)
        #expect(detector.verdict(node, state: .up, nowMicros: 2_900_000) == .undecided)
        detector.observe(node, answered: false, nowMicros: 3_000_000)
        #expect(detector.verdict(node, state: .up, nowMicros: 3_000_000) == .down)
        #expect(detector.silentSince(node) == 0)
    }

    @Test func aNodeNeverHeardFromGetsTheWholeTimeout() {
        var detector = detector()
        detector.observe(node, answered: false, nowMicros: 10_000_000)
        #expect(detector.verdict(node, state: .up, nowMicros: 12_000_000) == .undecided)
        #expect(detector.verdict(node, state: .up, nowMicros: 13_000_000) == .down)
    }

    @Test func aNodeMarkedDownIsUpOnlyAfterAnsweringForItsHoldDown() {
        var detector = detector()
        detector.observe(node, answered: false, nowMicros: 0)
        detector.noteMarkedDown(node, nowMicros: 3_000_000)
        detector.observe(node, answered: true, nowMicros: 4_000_000)
        #expect(detector.verdict(node, state: .down, nowMicros: 8_000_000) == .undecided)
        #expect(detector.verdict(node, state: .down, nowMicros: 9_000_000) == .up)
        // One silence restarts the hold-down.
        detector.observe(node, answered: false, nowMicros: 9_100_000)
        detector.observe(node, answered: true, nowMicros: 9_200_000)
        #expect(detector.verdict(node, state: .down, nowMicros: 12_000_000) == .undecided)
    }

    @Test func aFlappingNodeWaitsLongerEachTimeUpToTheMaximum() {
        var detector = detector()
        #expect(detector.holdDownMicros(node, nowMicros: 0) == 5_000_000)
        detector.noteMarkedDown(node, nowMicros: 1_000_000)
        #expect(detector.holdDownMicros(node, nowMicros: 1_000_000) == 5_000_000)
        detector.noteMarkedDown(node, nowMicros: 20_000_000)
        #expect(detector.holdDownMicros(node, nowMicros: 20_000_000) == 10_000_000)
        detector.noteMarkedDown(node, nowMicros: 40_000_000)
        detector.noteMarkedDown(node, nowMicros: 60_000_000)
        #expect(detector.holdDownMicros(node, nowMicros: 60_000_000) == 40_000_000)
        detector.noteMarkedDown(node, nowMicros: 80_000_000)
        #expect(detector.holdDownMicros(node, nowMicros: 80_000_000) == 40_000_000)
        // Flaps older than the window no longer count.
        #expect(detector.holdDownMicros(node, nowMicros: 80_000_000 + 600_000_001) == 5_000_000)
    }
}
