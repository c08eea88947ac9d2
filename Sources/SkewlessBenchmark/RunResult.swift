import Histogram

/// Latencies and counts of one run of one target (or one worker's share of it), mergeable.
package struct RunResult: Sendable {
    /// Nanoseconds from the intended send time (open loop) or the send (closed loop) to the
    /// response. 1 ns to 60 s, 3 significant digits.
    package var latency = RunResult.makeHistogram()
    /// Nanoseconds from the actual send to the response. In an open loop the difference to
    /// `latency` is the time requests waited for the generator (the correction).
    package var serviceTime = RunResult.makeHistogram()
    /// Open loop: how late the generator itself sent requests it had slept for (woken after
    /// their intended time by the timer, not held back by busy workers). Counted in
    /// `latency`, so it bounds what the run can resolve; empty in a closed loop.
    package var wakeLateness = RunResult.makeHistogram()
    package var errors = 0
    package var timeouts = 0
    package var firstError: String?
    package var elapsedSeconds = 0.0

    package init() {}

    static let highestTrackable: UInt64 = 60_000_000_000

    package static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highestTrackable, numberOfSignificantValueDigits: .three)
    }

    /// Requests that completed successfully.
    package var completed: Int { Int(latency.totalCount) }

    package var throughput: Double { elapsedSeconds > 0 ? Double(completed) / elapsedSeconds : 0 }

    package mutating func record(latency nanoseconds: UInt64, serviceTime service: UInt64) {
        _ = latency.record(max(1, min(nanoseconds, Self.highestTrackable)))
        _ = serviceTime.record(max(1, min(service, Self.highestTrackable)))
    }

    package mutating func record(_ outcome: FetchOutcome, latency: UInt64, serviceTime: UInt64) {
        switch outcome {
        case .success: record(latency: latency, serviceTime: serviceTime)
        case .timeout: timeouts += 1
        case .failure(let message):
            errors += 1
            if firstError == nil { firstError = message }
        }
    }

    /// Adds another share's counts; elapsed time is the longer of the two (shares run side by side).
    /// Records how late a request the generator slept for went out.
    package mutating func recordWakeLateness(_ nanoseconds: UInt64) {
        _ = wakeLateness.record(max(1, min(nanoseconds, Self.highestTrackable)))
    }

    package mutating func add(_ other: RunResult) {
        latency.add(other.latency)
        serviceTime.add(other.serviceTime)
        wakeLateness.add(other.wakeLateness)
        errors += other.errors
        timeouts += other.timeouts
        firstError = firstError ?? other.firstError
        elapsedSeconds = max(elapsedSeconds, other.elapsedSeconds)
    }

    /// Adds a later slice of the same run (alternating rounds): elapsed times add up.
    package mutating func append(_ slice: RunResult) {
        let elapsed = elapsedSeconds + slice.elapsedSeconds
        add(slice)
        elapsedSeconds = elapsed
    }

    package var summary: LatencySummary { LatencySummary(latency) }
    package var serviceTimeSummary: LatencySummary { LatencySummary(serviceTime) }
    /// nil when the generator never slept (a closed loop).
    package var wakeLatenessSummary: LatencySummary? { wakeLateness.totalCount > 0 ? LatencySummary(wakeLateness) : nil }
}
