import NIOCore
import SkewlessModel
import Testing

@testable import SkewlessServer

/// A connection's decisions step by step, with no channel, timer or clock.
@Suite struct ConnectionHandlerStateMachineTests {
    typealias Machine = ConnectionHandler.StateMachine

    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func machine(maxInFlight: Int = 4, idleSeconds: Int64 = 300, maxInvalid: Int = 3) -> Machine {
        Machine(limits: .init(maxInFlight: maxInFlight, idleTimeout: .seconds(idleSeconds), maxInvalidRequestsInARow: maxInvalid))
    }

    /// A machine that answered a handshake read at `t0` (the answer is not known to be
    /// written yet: one in flight).
    func serving(maxInFlight: Int = 4, idleSeconds: Int64 = 300, maxInvalid: Int = 3) -> Machine {
        var machine = Self.machine(maxInFlight: maxInFlight, idleSeconds: idleSeconds, maxInvalid: maxInvalid)
        #expect(machine.channelActive(slotAcquired: true, now: t0) == .serve(idleCheckAt: t0 + .seconds(idleSeconds)))
        #expect(machine.bytesRead(now: t0) == .decode(cancelDrainCheck: false))
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t0) == .handshake)
        #expect(machine.handshakeAnswered(accepted: true) == .write)
        #expect(machine.readComplete() == .init())
        return machine
    }

    // MARK: - Handshake and slots

    @Test func theFirstRequestIsAnsweredByTheHandshakeAndARefusalCloses() {
        var machine = Self.machine()
        _ = machine.channelActive(slotAcquired: true, now: t0)
        _ = machine.bytesRead(now: t0)
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t0) == .handshake)
        #expect(machine.handshakeAnswered(accepted: false) == .writeThenClose(.handshakeRefused))
        #expect(machine.isClosing)
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t0) == .ignore, "frames after it in the same read are not answered")
        #expect(machine.bytesRead(now: t0) == .ignore)
        #expect(machine.channelInactive() == .init(releaseSlot: true, checkForPartialFrame: false))
    }

    @Test func afterTheHandshakeRequestsAreExecuted() {
        var machine = serving()
        _ = machine.bytesRead(now: t0)
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t0) == .execute)
    }

    @Test func aConnectionOverTheNodesLimitIsRefusedAndHoldsNoSlot() {
        var machine = Self.machine()
        #expect(machine.channelActive(slotAcquired: false, now: t0) == .refuse)
        #expect(machine.isClosing)
        #expect(machine.channelInactive() == .init(releaseSlot: false, checkForPartialFrame: false))
    }

    @Test func aClientThatHangsUpIsCheckedForAPartialFrameAndGivesItsSlotBack() {
        var machine = serving()
        #expect(machine.channelInactive() == .init(releaseSlot: true, checkForPartialFrame: true))
        #expect(machine.channelInactive() == .init(releaseSlot: false, checkForPartialFrame: false), "released once")
    }

    // MARK: - Back-pressure

    @Test func readingIsHeldAtTheLimitAndResumesOnceWritesSettle() {
        var machine = serving(maxInFlight: 2)  // the handshake's answer is in flight
        _ = machine.bytesRead(now: t0)
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t0) == .execute)
        #expect(machine.answered(failure: nil) == .write)
        #expect(machine.readComplete() == .init())
        #expect(machine.inFlight == 2)
        #expect(machine.readRequested() == .hold(settleWrites: true))
        #expect(machine.readRequested() == .hold(settleWrites: false), "one barrier at a time")
        #expect(machine.writesSettled() == .init(resumeReading: true))
        #expect(machine.inFlight == 0)
        #expect(machine.readRequested() == .read)
    }

    @Test func aBarrierCoversOnlyTheAnswersWrittenBeforeIt() {
        var machine = serving(maxInFlight: 2)
        _ = machine.bytesRead(now: t0)
        _ = machine.answered(failure: nil)
        machine.longRequestStarted()
        #expect(machine.readRequested() == .hold(settleWrites: true))
        // The long request is answered while the barrier is pending: still at the limit,
        // and the pending barrier does not cover it.
        #expect(machine.longRequestFinished(failure: nil) == .write(.init()))
        #expect(machine.inFlight == 3)
        // The barrier covered two: one answer is still unwritten, below the limit of 2.
        #expect(machine.writesSettled() == .init(resumeReading: true))
        #expect(machine.unwritten == 1)
    }

    @Test func aLongRunningRequestCountsAsInFlightUntilAnswered() {
        var machine = serving(maxInFlight: 2)
        _ = machine.bytesRead(now: t0)
        machine.longRequestStarted()
        _ = machine.readComplete()
        #expect(machine.readRequested() == .hold(settleWrites: true))
        #expect(machine.writesSettled() == .init(resumeReading: true))
        machine.longRequestStarted()
        #expect(machine.inFlight == 2)
        #expect(machine.readRequested() == .hold(settleWrites: false), "nothing written to settle")
        #expect(machine.longRequestFinished(failure: nil) == .write(.init(resumeReading: false, next: .settleWrites)))
        #expect(machine.writesSettled() == .init(resumeReading: true))
        #expect(machine.inFlight == 1)
    }

    // MARK: - Deadlines

    @Test func aRequestThatWaitedPastItsDeadlineSinceItsReadIsNotExecuted() {
        var machine = serving()
        #expect(machine.bytesRead(now: t0) == .decode(cancelDrainCheck: false))
        // A second read of the same pass shares the first one's time.
        _ = machine.bytesRead(now: t0 + .milliseconds(1))
        #expect(machine.requestDecoded(timeoutMicros: 5_000, now: t0 + .milliseconds(4)) == .execute)
        #expect(machine.requestDecoded(timeoutMicros: 5_000, now: t0 + .milliseconds(5)) == .answerDeadlineExceeded(waitedMicros: 5_000))
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t0 + .seconds(9)) == .execute, "0: no deadline")
        _ = machine.readComplete()
        // A new read pass starts the clock again.
        _ = machine.bytesRead(now: t0 + .seconds(10))
        #expect(machine.requestDecoded(timeoutMicros: 5_000, now: t0 + .seconds(10) + .milliseconds(1)) == .execute)
    }

    @Test func deadlineExceededAnswersNeitherCountNorResetTheErrorBudget() {
        var machine = serving(maxInvalid: 2)
        _ = machine.bytesRead(now: t0)
        #expect(machine.answered(failure: .invalidArgument) == .write)
        #expect(machine.answered(failure: .deadlineExceeded) == .write)
        #expect(machine.answered(failure: .invalidArgument) == .writeThenClose(.invalidRequests(inARow: 2)))
    }

    // MARK: - Error budget

    @Test func invalidRequestsOneShortOfTheBudgetThenAValidOneKeepTheConnection() {
        var machine = serving(maxInvalid: 3)
        _ = machine.bytesRead(now: t0)
        #expect(machine.frameUndecodable() == .write)
        #expect(machine.answered(failure: .unimplemented) == .write)
        #expect(machine.invalidInARow == 2)
        #expect(machine.answered(failure: nil) == .write)
        #expect(machine.invalidInARow == 0)
        #expect(machine.answered(failure: .invalidArgument) == .write)
        #expect(machine.answered(failure: .notFound) == .write, "a request the node understood resets the count")
        #expect(machine.invalidInARow == 0)
        #expect(!machine.isClosing)
    }

    @Test func theLastInvalidRequestOfTheBudgetIsAnsweredThenTheConnectionCloses() {
        var machine = serving(maxInvalid: 3)
        _ = machine.bytesRead(now: t0)
        #expect(machine.answered(failure: .invalidArgument) == .write)
        #expect(machine.frameUndecodable() == .write)
        #expect(machine.answered(failure: .invalidArgument) == .writeThenClose(.invalidRequests(inARow: 3)))
        #expect(machine.isClosing)
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t0) == .ignore)
        #expect(machine.frameUndecodable() == .drop)
        #expect(machine.channelInactive() == .init(releaseSlot: true, checkForPartialFrame: false))
    }

    @Test func lateAnswersCountAgainstTheBudgetToo() {
        var machine = serving(maxInvalid: 2)
        _ = machine.bytesRead(now: t0)
        _ = machine.answered(failure: .invalidArgument)
        machine.longRequestStarted()
        machine.longRequestStarted()
        #expect(machine.longRequestFinished(failure: .invalidArgument) == .writeThenClose(.invalidRequests(inARow: 2)))
        #expect(machine.longRequestFinished(failure: nil) == .drop, "the connection is closing")
        #expect(machine.running == 0)
    }

    @Test func invalidFramesBeforeTheHandshakeCountAndTheHandshakeResetsThem() {
        var machine = Self.machine(maxInvalid: 2)
        _ = machine.channelActive(slotAcquired: true, now: t0)
        _ = machine.bytesRead(now: t0)
        #expect(machine.frameUndecodable() == .write)
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t0) == .handshake)
        #expect(machine.handshakeAnswered(accepted: true) == .write)
        #expect(machine.frameUndecodable() == .write)
    }

    // MARK: - Drain

    @Test func aDrainClosesOnlyOnceEverythingIsWrittenAndTheConnectionWasQuiet() {
        var machine = serving()
        _ = machine.bytesRead(now: t0)
        _ = machine.answered(failure: nil)
        #expect(machine.readComplete() == .init())
        #expect(machine.quiesce() == .startDraining)
        #expect(machine.quiesce() == .none)
        // The first check finds answers the socket may not have taken: settle, don't close.
        #expect(machine.drainCheckFired() == .settleWrites)
        #expect(machine.writesSettled() == .init(resumeReading: false, next: .scheduleDrainCheck))
        // Bytes arrive within the quiet period: the pending check is cancelled ...
        #expect(machine.bytesRead(now: t0 + .milliseconds(5)) == .decode(cancelDrainCheck: true))
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t0) == .execute)
        #expect(machine.answered(failure: nil) == .write)
        // ... and the wait starts again once the answer is written.
        #expect(machine.readComplete() == .init(resumeReading: false, next: .settleWrites))
        #expect(machine.writesSettled() == .init(resumeReading: false, next: .scheduleDrainCheck))
        #expect(machine.drainCheckFired() == .close)
        #expect(machine.isClosing)
        #expect(machine.channelInactive().releaseSlot)
    }

    @Test func aDrainWaitsForALongRunningRequest() {
        var machine = serving()
        _ = machine.bytesRead(now: t0)
        machine.longRequestStarted()
        _ = machine.readComplete()
        #expect(machine.quiesce() == .startDraining)
        #expect(machine.drainCheckFired() == .settleWrites)
        #expect(machine.writesSettled() == .init(), "nothing more to settle; the answer will come")
        #expect(machine.longRequestFinished(failure: nil) == .write(.init(resumeReading: false, next: .settleWrites)))
        #expect(machine.writesSettled() == .init(resumeReading: false, next: .scheduleDrainCheck))
        #expect(machine.drainCheckFired() == .close)
    }

    @Test func aHeldConnectionResumesReadingWhileItDrains() {
        var machine = serving(maxInFlight: 1)
        _ = machine.bytesRead(now: t0)
        _ = machine.answered(failure: nil)
        _ = machine.readComplete()
        #expect(machine.readRequested() == .hold(settleWrites: true))
        #expect(machine.quiesce() == .startDraining)
        #expect(machine.writesSettled() == .init(resumeReading: true, next: .scheduleDrainCheck))
    }

    // MARK: - Idleness

    @Test func anIdleConnectionClosesAfterTheTimeoutCountedFromItsLastBytes() {
        var machine = serving(idleSeconds: 300)
        _ = machine.bytesRead(now: t0 + .seconds(100))
        _ = machine.readComplete()
        #expect(machine.idleCheckFired(now: t0 + .seconds(300)) == .reschedule(at: t0 + .seconds(400)))
        #expect(machine.idleCheckFired(now: t0 + .seconds(400)) == .close)
        #expect(machine.isClosing)
        #expect(machine.idleCheckFired(now: t0 + .seconds(800)) == .none)
    }

    @Test func aConnectionWithALongRequestRunningIsNotIdle() {
        var machine = serving(idleSeconds: 300)
        machine.longRequestStarted()
        #expect(machine.idleCheckFired(now: t0 + .seconds(300)) == .reschedule(at: t0 + .seconds(600)))
        _ = machine.longRequestFinished(failure: nil)
        #expect(machine.idleCheckFired(now: t0 + .seconds(600)) == .close)
    }

    // MARK: - Errors

    @Test func anErrorClosesOnce() {
        var machine = serving()
        #expect(machine.closeRequested() == .close)
        #expect(machine.closeRequested() == .none)
        #expect(machine.readRequested() == .hold(settleWrites: false), "nothing more is read")
        #expect(machine.quiesce() == .none)
        #expect(machine.channelInactive() == .init(releaseSlot: true, checkForPartialFrame: false))
    }

    // MARK: - Fair turns and slowing down

    static func turns(turnBudget: TimeAmount = .microseconds(200), slowAfterInvalid: Int = 0, maxInvalid: Int = 100) -> Machine {
        Machine(limits: .init(
            maxInFlight: 64, idleTimeout: .seconds(300), maxInvalidRequestsInARow: maxInvalid, turnBudget: turnBudget, slowAfterInvalid: slowAfterInvalid))
    }

    func servingTurns(turnBudget: TimeAmount = .microseconds(200), slowAfterInvalid: Int = 0, maxInvalid: Int = 100) -> Machine {
        var machine = Self.turns(turnBudget: turnBudget, slowAfterInvalid: slowAfterInvalid, maxInvalid: maxInvalid)
        _ = machine.channelActive(slotAcquired: true, now: t0)
        _ = machine.bytesRead(now: t0)
        #expect(machine.frameDecoded(now: t0) == .answer)
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t0) == .handshake)
        _ = machine.handshakeAnswered(accepted: true)
        _ = machine.readComplete()
        return machine
    }

    @Test func aConnectionYieldsItsTurnOnceItHasUsedTheBudgetAndResumesWhereItStopped() {
        var machine = servingTurns()
        let t1 = t0 + .seconds(1)
        _ = machine.bytesRead(now: t1)
        #expect(machine.frameDecoded(now: t1) == .answer)
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t1) == .execute)
        #expect(machine.answered(failure: nil) == .write)
        #expect(machine.frameDecoded(now: t1 + .microseconds(150)) == .answer)
        #expect(machine.requestDecoded(timeoutMicros: 0, now: t1 + .microseconds(150)) == .execute)
        #expect(machine.answered(failure: nil) == .write)
        #expect(machine.frameDecoded(now: t1 + .microseconds(250)) == .wait(.nextTurn), "the budget is spent: the rest waits")
        #expect(machine.hasBacklog)
        _ = machine.readComplete()
        #expect(machine.readRequested() == .hold(settleWrites: false), "reading waits for the backlog")
        // The next turn: the frame that waited first, with the deadline of its read.
        #expect(machine.resumeFired(now: t1 + .milliseconds(2)) == .decode)
        #expect(!machine.hasBacklog)
        #expect(machine.frameDecoded(now: t1 + .milliseconds(2)) == .answer)
        #expect(machine.requestDecoded(timeoutMicros: 1_000, now: t1 + .milliseconds(2)) == .answerDeadlineExceeded(waitedMicros: 2_000))
        _ = machine.answered(failure: .deadlineExceeded)
        #expect(machine.resumeFinished().resumeReading, "nothing waits any more: reading resumes")
        #expect(machine.readRequested() == .read)
    }

    @Test func theFirstRequestOfATurnIsAnsweredHoweverLongTheTurnHasBeen() {
        var machine = servingTurns(turnBudget: .microseconds(10))
        let t1 = t0 + .seconds(1)
        _ = machine.bytesRead(now: t1)
        #expect(machine.frameDecoded(now: t1 + .milliseconds(5)) == .answer)
        _ = machine.requestDecoded(timeoutMicros: 0, now: t1)
        _ = machine.answered(failure: nil)
        #expect(machine.frameDecoded(now: t1 + .milliseconds(5)) == .wait(.nextTurn))
        #expect(machine.resumeFired(now: t1 + .milliseconds(6)) == .decode)
        #expect(machine.frameDecoded(now: t1 + .milliseconds(9)) == .answer)
    }

    @Test func aConnectionThatKeepsSendingInvalidRequestsIsSlowedDownMoreAndMore() {
        var machine = servingTurns(turnBudget: .seconds(1), slowAfterInvalid: 2)
        let t1 = t0 + .seconds(1)
        _ = machine.bytesRead(now: t1)
        for _ in 0..<2 {
            #expect(machine.frameDecoded(now: t1) == .answer)
            #expect(machine.frameUndecodable() == .write)
        }
        #expect(machine.frameDecoded(now: t1) == .wait(.after(.milliseconds(1))))
        _ = machine.readComplete()
        #expect(machine.resumeFired(now: t1 + .milliseconds(1)) == .decode)
        #expect(machine.frameDecoded(now: t1 + .milliseconds(1)) == .answer, "the frame that waited is answered")
        #expect(machine.frameUndecodable() == .write)
        #expect(machine.frameDecoded(now: t1 + .milliseconds(1)) == .wait(.after(.milliseconds(2))), "the next waits twice as long")
        #expect(machine.resumeFired(now: t1 + .milliseconds(3)) == .decode)
        #expect(machine.frameDecoded(now: t1 + .milliseconds(3)) == .answer)
        _ = machine.requestDecoded(timeoutMicros: 0, now: t1 + .milliseconds(3))
        #expect(machine.answered(failure: nil) == .write, "a request the node could answer")
        #expect(machine.frameDecoded(now: t1 + .milliseconds(3)) == .answer, "resets the count, and the slowdown")
        #expect(Machine.Limits(maxInFlight: 1, idleTimeout: .seconds(1), maxInvalidRequestsInARow: 100, slowAfterInvalid: 4).slowdown(afterInvalid: 90) == .milliseconds(250))
        #expect(Machine.Limits(maxInFlight: 1, idleTimeout: .seconds(1), maxInvalidRequestsInARow: 100, slowAfterInvalid: 0).slowdown(afterInvalid: 90) == nil)
    }

    @Test func framesWaitingForATurnKeepTheConnectionFromIdlingOrDraining() {
        var machine = servingTurns(turnBudget: .microseconds(1))
        let t1 = t0 + .seconds(1)
        _ = machine.bytesRead(now: t1)
        _ = machine.frameDecoded(now: t1)
        _ = machine.requestDecoded(timeoutMicros: 0, now: t1)
        _ = machine.answered(failure: nil)
        #expect(machine.frameDecoded(now: t1 + .milliseconds(1)) == .wait(.nextTurn))
        #expect(machine.idleCheckFired(now: t1 + .seconds(400)) == .reschedule(at: t1 + .seconds(700)))
        #expect(machine.quiesce() == .startDraining)
        #expect(machine.drainCheckFired() != .close, "the waiting frames are answered before a drain closes")
        #expect(machine.resumeFired(now: t1 + .milliseconds(2)) == .decode)
        #expect(machine.resumeFired(now: t1 + .milliseconds(2)) == .none, "one resumption per wait")
    }

    @Test func aClosingConnectionStopsSplittingFrames() {
        var machine = servingTurns(maxInvalid: 1)
        _ = machine.bytesRead(now: t0 + .seconds(1))
        #expect(machine.frameDecoded(now: t0 + .seconds(1)) == .answer)
        #expect(machine.frameUndecodable() == .writeThenClose(.invalidRequests(inARow: 1)))
        #expect(machine.frameDecoded(now: t0 + .seconds(1)) == .stop)
    }
}
