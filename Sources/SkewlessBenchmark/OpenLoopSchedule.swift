import SkewlessModel
/// When each request of an open-loop run is due: request i at start + i * interval, a fixed
/// rate as in wrk2. Latency is measured from this intended time, so a request the load
/// generator could not send on time (all slots busy behind a stall) still counts its wait.
package struct OpenLoopSchedule: Sendable, Hashable {
    /// Nanoseconds on the driver's clock.
    package let start: UInt64
    package let intervalNanoseconds: Double

    package init(start: UInt64, rate: Double) throws(SkewlessError) {
        guard rate > 0, rate.isFinite, rate <= 10_000_000 else {
            throw SkewlessError(.invalidArgument, "the open-loop rate must be between 0 and 10,000,000 requests/s; got \(rate)")
        }
        self.start = start
        self.intervalNanoseconds = 1e9 / rate
    }

    /// The intended send time of request `index` (0-based).
    package func intendedStart(of index: Int) -> UInt64 {
        start + UInt64((Double(index) * intervalNanoseconds).rounded())
    }

    /// How many requests are due in [start, start + nanoseconds).
    package func requestCount(within nanoseconds: UInt64) -> Int {
        Int((Double(nanoseconds) / intervalNanoseconds).rounded(.up))
    }
}
