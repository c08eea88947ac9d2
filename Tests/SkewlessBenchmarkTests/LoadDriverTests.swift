import Histogram
import NIOPosix
import Skewless
import SkewlessModel
import Testing
@testable import SkewlessBenchmark

@Suite struct LoadDriverTests {
    let workload: Workload

    init() throws {
        let shape = RequestShape(selection: .features(["v:f"]), joinKey: "id", groups: [])
        workload = try Workload(shape: shape, entitiesPerRequest: 1, keySpace: 100, seed: 1)
    }

    @Test func scheduleSpacesRequestsAtTheRate() throws {
        let schedule = try OpenLoopSchedule(start: 5_000, rate: 4000)
        #expect(schedule.intendedStart(of: 0) == 5_000)
        #expect(schedule.intendedStart(of: 1) == 255_000)
        #expect(schedule.intendedStart(of: 4000) == 1_000_005_000)
        #expect(schedule.requestCount(within: 1_000_000_000) == 4000)
        #expect(schedule.requestCount(within: 1_000_000_001) == 4001)
        #expect(throws: SkewlessError.self) { try OpenLoopSchedule(start: 0, rate: 0) }
    }

    /// 1,000 requests/s for 1 s against a target that answers in 100 us, except one 100 ms
    /// stall at request 50. Counted from intended send times, the requests due during the
    /// stall each carry their wait; the backlog drains at 0.9 ms per ms (one due every 1 ms,
    /// served in 0.1 ms), so request 50 + j waits about 100.1 - 0.9 j ms and 111 requests wait
    /// at least 1 ms. Counted from actual sends, the stall would be one slow request among
    /// 1,000 (coordinated omission).
    @Test func openLoopCountsAStallAgainstEveryRequestDueDuringIt() async throws {
        let clock = SimulatedClock()
        let connection = StallingConnection(clock: clock, serviceTime: 100_000, stallAt: 50, stall: 100_000_000)
        let driver = LoadDriver(clock: clock, drainNanoseconds: 10_000_000_000)
        let result = try await driver.run(
            connections: [connection], model: .open(rate: 1000, connections: 1, inFlight: 1), workload: workload, nanoseconds: 1_000_000_000)

        #expect(result.completed == 1000)
        #expect(connection.requests == 1000)
        #expect(result.errors == 0 && result.timeouts == 0)
        let corrected = result.latency
        // The stalled request itself, then those behind it waiting 99.2, 98.3, ... ms.
        #expect(corrected.max >= 100_000_000 && corrected.max < 100_300_000)
        let delayed = corrected.count(within: 1_000_000...RunResult.highestTrackable)
        #expect(delayed == 111, "requests delayed by at least 1 ms: \(delayed)")
        // P99 sits in the stall (the 10th slowest of 1000 waited ~90 ms); P50 is the service time.
        #expect(corrected.valueAtPercentile(99) > 85_000_000)
        #expect(corrected.valueAtPercentile(50) < 200_000)
        // Measured from actual sends, only the stalled request is slow.
        #expect(result.serviceTime.count(within: 1_000_000...RunResult.highestTrackable) == 1)
        #expect(result.serviceTime.valueAtPercentile(99) < 200_000)
    }

    @Test func openLoopWithoutStallRecordsServiceTime() async throws {
        let clock = SimulatedClock()
        let connection = StallingConnection(clock: clock, serviceTime: 300_000)
        let result = try await LoadDriver(clock: clock).run(
            connections: [connection], model: .open(rate: 2000, connections: 1, inFlight: 1), workload: workload, nanoseconds: 500_000_000)
        #expect(result.completed == 1000)
        #expect(result.latency.max < 301_000 && result.latency.min > 299_000)
        #expect(abs(result.elapsedSeconds - 0.5) < 0.01)
        #expect(abs(result.throughput - 2000) < 20)
    }

    /// A generator whose timer wakes 40 µs late adds 40 µs to every request it slept for;
    /// the run says so (wake lateness), apart from the target's service time.
    @Test func openLoopReportsTheGeneratorsOwnLateness() async throws {
        let clock = SimulatedClock(wakeLate: 40_000)
        let connection = StallingConnection(clock: clock, serviceTime: 100_000)
        let result = try await LoadDriver(clock: clock).run(
            connections: [connection], model: .open(rate: 1000, connections: 1, inFlight: 1), workload: workload, nanoseconds: 500_000_000)
        #expect(result.completed == 500)
        #expect(result.wakeLateness.totalCount == 499)  // the first request is due at once
        #expect(result.wakeLateness.min > 39_000 && result.wakeLateness.max < 41_000)
        #expect(result.latency.valueAtPercentile(50) > 139_000 && result.latency.valueAtPercentile(50) < 141_000)
        #expect(result.serviceTime.max < 101_000)
        #expect(result.wakeLatenessSummary != nil)
    }

    /// Requests held back by a stall were not slept for: their wait is the target's doing and
    /// is not counted as the generator's lateness.
    @Test func requestsDueBehindAStallAreNotTheGeneratorsLateness() async throws {
        let clock = SimulatedClock()
        let connection = StallingConnection(clock: clock, serviceTime: 100_000, stallAt: 50, stall: 100_000_000)
        let result = try await LoadDriver(clock: clock).run(
            connections: [connection], model: .open(rate: 1000, connections: 1, inFlight: 1), workload: workload, nanoseconds: 1_000_000_000)
        #expect(result.completed == 1000)
        #expect(result.wakeLateness.totalCount < 900)
        #expect(result.wakeLateness.max <= 1)
        let lateClock = SimulatedClock(wakeLate: 40_000)
        let closed = try await LoadDriver(clock: lateClock).run(
            connections: [StallingConnection(clock: lateClock, serviceTime: 1_000)], model: .closed(connections: 1, inFlight: 1),
            workload: workload, nanoseconds: 1_000_000)
        #expect(closed.wakeLatenessSummary == nil)
    }

    /// A backlog still waiting after the run and the drain time counts as timeouts, not as
    /// silently dropped requests.
    @Test func openLoopOverloadBeyondTheDrainCountsTimeouts() async throws {
        let clock = SimulatedClock()
        let connection = StallingConnection(clock: clock, serviceTime: 2_000_000)
        let result = try await LoadDriver(clock: clock, drainNanoseconds: 100_000_000).run(
            connections: [connection], model: .open(rate: 1000, connections: 1, inFlight: 1), workload: workload, nanoseconds: 1_000_000_000)
        // 1000 due; at 2 ms each only ~550 can go out within 1 s + 100 ms.
        #expect(result.completed + result.timeouts == 1000)
        #expect((540...560).contains(result.completed))
    }

    @Test func closedLoopSendsBackToBack() async throws {
        let clock = SimulatedClock()
        let connection = StallingConnection(clock: clock, serviceTime: 250_000, stallAt: 10, stall: 50_000_000)
        let result = try await LoadDriver(clock: clock).run(
            connections: [connection], model: .closed(connections: 1, inFlight: 1), workload: workload, nanoseconds: 1_000_000_000)
        // 50 ms stall + n x 0.25 ms fill 1 s: 3801 requests; the stall is one slow request.
        #expect(result.completed == 3801)
        #expect(result.latency.count(within: 1_000_000...RunResult.highestTrackable) == 1)
    }

    /// Workers run on their connection's task executor (as a latency-minded client of the
    /// target would), or wherever Swift Concurrency puts them when told not to.
    @Test func workersRunOnTheirConnectionsTaskExecutor() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        for usesExecutors in [true, false] {
            let clock = SimulatedClock()
            let connection = LoopRecordingConnection(clock: clock, group: group)
            let result = try await LoadDriver(clock: clock, usesTargetExecutors: usesExecutors).run(
                connections: [connection], model: .closed(connections: 1, inFlight: 4), workload: workload, nanoseconds: 10_000_000)
            #expect(result.completed > 0)
            #expect(connection.fetchesOnLoops == (usesExecutors ? result.completed : 0))
        }
        try await group.shutdownGracefully()
    }

    @Test func refusesAModelThatDoesNotMatchTheConnections() async throws {
        let clock = SimulatedClock()
        await #expect(throws: SkewlessError.self) {
            _ = try await LoadDriver(clock: clock).run(
                connections: [], model: .closed(connections: 1, inFlight: 1), workload: workload, nanoseconds: 1_000)
        }
    }
}
