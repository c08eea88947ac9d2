import Histogram
import SkewlessModel
import Synchronization
import Testing
@testable import SkewlessBenchmark

/// A push connection on the simulated clock: each send takes `serviceTime`, except the
/// send of batch `stallAt`, which takes `stall`; after `stopAfter` sends it sets `stop`.
final class ScriptedPushConnection: PushConnection {
    let clock: SimulatedClock
    let serviceTime: UInt64
    let stallAt: Int
    let stall: UInt64
    let stop: StopSignal?
    let stopAfter: Int
    private let sent = Mutex<[Int]>([])

    init(clock: SimulatedClock, serviceTime: UInt64, stallAt: Int = -1, stall: UInt64 = 0, stop: StopSignal? = nil, stopAfter: Int = .max) {
        self.clock = clock
        self.serviceTime = serviceTime
        self.stallAt = stallAt
        self.stall = stall
        self.stop = stop
        self.stopAfter = stopAfter
    }

    /// Batch indexes in the order they were sent.
    var batches: [Int] { sent.withLock { $0 } }

    func prepare(_ batch: PushBatch) -> Int { batch.index }

    func send(_ prepared: Int, rows: Int) async -> PushOutcome {
        let count = sent.withLock { list in
            list.append(prepared)
            return list.count
        }
        clock.advance(by: count - 1 == stallAt ? stall : serviceTime)
        if count >= stopAfter { stop?.stop(at: clock.now()) }
        return .acknowledged(replicasMissed: 0, accepted: true)
    }

    func close() async {}
}

@Suite struct PushDriverTests {
    let source: PushRowSource

    init() throws {
        source = try PushRowSource(rowsPerBatch: 500, fieldCount: 10, keySpace: 10_000)
    }

    @Test func aClosedLoopPushSendsTheBatchesAskedForAndCountsTheirRows() async throws {
        let clock = SimulatedClock()
        let connection = ScriptedPushConnection(clock: clock, serviceTime: 2_000_000)
        let result = try await PushDriver(clock: clock).push(
            connections: [connection], source: source, inFlight: 1, amount: .batches(10), firstBatch: 100)

        #expect(connection.batches == Array(100..<110))
        #expect(result.rows == 5_000)
        #expect(result.batches.completed == 10)
        #expect(result.durableAcknowledgements == 10)
        #expect(result.batches.elapsedSeconds == 0.02)
        #expect(result.rowsPerSecond == 250_000)
        #expect(result.batches.latency.valueAtPercentile(50) >= 1_999_000 && result.batches.latency.max <= 2_001_000)
    }

    @Test func aTimedPushStopsSendingWhenTheTimeIsUp() async throws {
        let clock = SimulatedClock()
        let connection = ScriptedPushConnection(clock: clock, serviceTime: 3_000_000)
        let result = try await PushDriver(clock: clock).push(
            connections: [connection], source: source, inFlight: 1, amount: .nanoseconds(10_000_000))
        // Sends at 0, 3, 6 and 9 ms; the last is acknowledged at 12 ms and still counted.
        #expect(connection.batches == [0, 1, 2, 3])
        #expect(result.batches.elapsedSeconds == 0.012)
    }

    @Test func aStreamSendsOneBatchPerIntervalUntilStopped() async throws {
        let clock = SimulatedClock()
        let stop = StopSignal()
        let connection = ScriptedPushConnection(clock: clock, serviceTime: 1_000_000, stop: stop, stopAfter: 50)
        let pace = try StreamPace(rowsPerSecond: 50_000, batchRows: 500)
        let result = try await PushDriver(clock: clock).stream(connections: [connection], source: source, pace: pace, inFlight: 1, until: stop)

        #expect(connection.batches == Array(0..<50))
        #expect(result.rows == 25_000)
        // Batch 49 was due at 490 ms and acknowledged 1 ms later, when the stream stopped.
        #expect(result.batches.elapsedSeconds == 0.491)
        // Every batch went out on time and took its 1 ms.
        #expect(result.batches.latency.max <= 1_001_000)
    }

    /// 100 batches/s against a store that takes 1 ms a batch, except a 55 ms stall at batch
    /// 10: counted from their due times, the five batches due during the stall (at 110 ...
    /// 150 ms) each carry their wait, from about 46 ms down to about 6 ms.
    @Test func aStreamCountsAStallAgainstTheBatchesDueDuringIt() async throws {
        let clock = SimulatedClock()
        let stop = StopSignal()
        let connection = ScriptedPushConnection(
            clock: clock, serviceTime: 1_000_000, stallAt: 10, stall: 55_000_000, stop: stop, stopAfter: 40)
        let pace = try StreamPace(rowsPerSecond: 50_000, batchRows: 500)
        let result = try await PushDriver(clock: clock).stream(connections: [connection], source: source, pace: pace, inFlight: 1, until: stop)

        #expect(result.batches.completed == 40)
        let latency = result.batches.latency
        #expect(latency.max >= 55_000_000 && latency.max <= 55_100_000)
        #expect(latency.count(within: 5_000_000...RunResult.highestTrackable) == 6, "the stalled batch and the five due during it")
        // From the actual sends, only the stalled batch was slow.
        #expect(result.batches.serviceTime.count(within: 5_000_000...RunResult.highestTrackable) == 1)
    }

    @Test func aStreamRefusesRowsOfAnotherBatchSize() async throws {
        let clock = SimulatedClock()
        let pace = try StreamPace(rowsPerSecond: 50_000, batchRows: 1_000)
        await #expect(throws: SkewlessError.self) {
            try await PushDriver(clock: clock).stream(
                connections: [ScriptedPushConnection(clock: clock, serviceTime: 1)], source: source, pace: pace, inFlight: 1, until: StopSignal())
        }
    }
}
