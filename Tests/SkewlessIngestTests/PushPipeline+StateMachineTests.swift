import SkewlessModel
import Testing
@testable import SkewlessIngest

/// The push's decisions step by step, with no thread, task or clock.
@Suite struct PushPipelineStateMachineTests {
    let t0 = ContinuousClock.now

    static func machine(batchRows: Int = 1, maxInFlight: Int = 2) -> PushPipeline.StateMachine {
        var options = PushOptions(runID: "r")
        options.batchRows = batchRows
        options.maxInFlight = maxInFlight
        return PushPipeline.StateMachine(file: "in.jsonl", format: .jsonl, validator: Fixtures.validator(refusesCreatedTime: true), options: options)
    }

    static func rows(_ users: ClosedRange<Int>) -> FileDescriptorReader.Chunk {
        .bytes(Array(users.map { "{\"user_id\": \($0), \"event_time\": \"now\"}\n" }.joined().utf8))
    }

    static func sent(_ actions: [PushPipeline.StateMachine.Action]) -> [PushBatch] {
        actions.compactMap { if case .send(let batch) = $0 { batch } else { nil } }
    }

    static func readsMore(_ actions: [PushPipeline.StateMachine.Action]) -> Bool {
        actions.contains { if case .readMore = $0 { true } else { false } }
    }

    static let ok = PushAcknowledgement(rowsWritten: 1, rowsIgnoredOlder: 0)

    @Test func readingWaitsWhileEveryBatchIsInFlightAndAFullOneWaits() {
        var machine = Self.machine(batchRows: 1, maxInFlight: 2)
        #expect(Self.readsMore(machine.start(now: t0)))
        let first = machine.received(Self.rows(1...4), now: t0, wallClock: Fixtures.now)
        let batches = Self.sent(first)
        #expect(batches.map(\.number) == [1, 2])
        #expect(batches.map(\.key) == ["push-r-1", "push-r-2"])
        #expect(!Self.readsMore(first))  // batches 3 and 4 wait for a slot: no more input
        let second = machine.completed(batches[0], .success(Self.ok), now: t0)
        #expect(Self.sent(second).map(\.number) == [3])
        #expect(!Self.readsMore(second))  // batch 4 still waits
        let third = machine.completed(batches[1], .success(Self.ok), now: t0)
        #expect(Self.sent(third).map(\.number) == [4])
        #expect(Self.readsMore(third))
        #expect(machine.totals.inFlight == 2)
        #expect(machine.totals.rowsAcknowledged == 2)
    }

    @Test func theEndOfTheInputSendsTheOpenBatchAndFinishesOnceAllAreAcknowledged() {
        var machine = Self.machine(batchRows: 100)
        _ = machine.start(now: t0)
        let read = machine.received(Self.rows(1...3), now: t0, wallClock: Fixtures.now)
        #expect(Self.sent(read).isEmpty)
        #expect(read.contains { if case .wakeUp(let at) = $0 { at == t0 + .milliseconds(5) } else { false } })
        let end = machine.received(.end, now: t0, wallClock: Fixtures.now)
        let batch = Self.sent(end)
        #expect(batch.map(\.rows.count) == [3])
        #expect(!end.contains { if case .finish = $0 { true } else { false } })
        let done = machine.completed(batch[0], .success(Self.ok), now: t0)
        #expect(done.contains { if case .finish = $0 { true } else { false } })
        #expect(machine.outcome.failure == nil)
    }

    @Test func aFailedBatchDropsWhatWasNotSentAndNamesTheFirstRowNotStored() {
        var machine = Self.machine(batchRows: 1, maxInFlight: 1)
        _ = machine.start(now: t0)
        let batches = Self.sent(machine.received(Self.rows(1...3), now: t0, wallClock: Fixtures.now))
        #expect(batches.map(\.number) == [1])
        let failed = machine.completed(batches[0], .failure(SkewlessError(.invalidArgument, "no")), now: t0)
        #expect(Self.sent(failed).isEmpty)
        #expect(failed.contains { if case .finish = $0 { true } else { false } })
        #expect(machine.outcome.storedBefore == "line 1")
        #expect(machine.totals.rowsNotSent == 3)
    }
}
