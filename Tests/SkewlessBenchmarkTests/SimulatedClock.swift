import NIOPosix
import Skewless
import Synchronization
@testable import SkewlessBenchmark

/// Virtual time: sleeping jumps to the deadline, and a simulated target advances the clock
/// by its service time. With one worker, a run is deterministic and takes no real time.
final class SimulatedClock: BenchmarkClock {
    private let current = Mutex<UInt64>(1_000_000_000)
    /// How late a sleep that had to wait wakes up (a real timer's slack).
    let wakeLate: UInt64

    init(wakeLate: UInt64 = 0) {
        self.wakeLate = wakeLate
    }

    func now() -> UInt64 { current.withLock { $0 } }

    func sleep(until deadline: UInt64) async {
        current.withLock { $0 = $0 < deadline ? deadline + wakeLate : $0 }
    }

    func advance(by nanoseconds: UInt64) {
        current.withLock { $0 += nanoseconds }
    }
}

/// A target connection that takes `serviceTime` per request on the simulated clock, except
/// request number `stallAt` (0-based), which takes `stall`.
final class StallingConnection: TargetConnection {
    let clock: SimulatedClock
    let serviceTime: UInt64
    let stallAt: Int
    let stall: UInt64
    private let served = Mutex(0)

    init(clock: SimulatedClock, serviceTime: UInt64, stallAt: Int = -1, stall: UInt64 = 0) {
        self.clock = clock
        self.serviceTime = serviceTime
        self.stallAt = stallAt
        self.stall = stall
    }

    var requests: Int { served.withLock { $0 } }

    func fetch(_ ids: [Int64]) async -> FetchOutcome {
        let index = served.withLock { count in
            defer { count += 1 }
            return count
        }
        clock.advance(by: index == stallAt ? stall : serviceTime)
        return .success
    }

    func close() async {}
}

/// A target connection that answers at once (1 ms of simulated time) and counts the fetches
/// that ran on one of `group`'s event loops, whose executor it offers.
final class LoopRecordingConnection: TargetConnection {
    let clock: SimulatedClock
    let group: MultiThreadedEventLoopGroup
    let taskExecutor: (any TaskExecutor)?
    private let onLoops = Mutex(0)

    init(clock: SimulatedClock, group: MultiThreadedEventLoopGroup) {
        self.clock = clock
        self.group = group
        self.taskExecutor = EventLoopTaskExecutor(group: group)
    }

    var fetchesOnLoops: Int { onLoops.withLock { $0 } }

    func fetch(_ ids: [Int64]) async -> FetchOutcome {
        if let current = MultiThreadedEventLoopGroup.currentEventLoop, group.makeIterator().contains(where: { $0 === current }) {
            onLoops.withLock { $0 += 1 }
        }
        clock.advance(by: 1_000_000)
        return .success
    }

    func close() async {}
}
