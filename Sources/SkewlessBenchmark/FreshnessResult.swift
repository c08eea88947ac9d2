import Histogram

/// What the freshness probes of a run saw, mergeable across the probing workers. Times are
/// nanoseconds from the moment a write was sent.
package struct FreshnessResult: Sendable {
    /// Until the new value was read back from every replica of the row's partition: the
    /// event-to-servable latency.
    package var visibleEverywhere = RunResult.makeHistogram()
    /// Until the first replica served it.
    package var visibleSomewhere = RunResult.makeHistogram()
    /// Until the write was acknowledged.
    package var acknowledged = RunResult.makeHistogram()
    /// How late the generator sent each write after its due time (not in the latencies:
    /// they start at the send).
    package var sendDelay = RunResult.makeHistogram()
    /// Writes sent.
    package var probes = 0
    /// Writes whose value some replica had not served within the visibility timeout.
    package var notVisible = 0
    /// Writes that failed or were not applied (the node kept a newer row).
    package var writeErrors = 0
    /// Reads that failed (each probe keeps polling after one).
    package var readErrors = 0
    /// Reads sent while polling.
    package var reads = 0
    /// Writes served by every replica before their acknowledgement came back.
    package var visibleBeforeAcknowledgement = 0
    /// Acknowledgements that carried the write log's accepted time (durable ones).
    package var durableAcknowledgements = 0
    package var firstError: String?
    package var elapsedSeconds = 0.0

    package init() {}

    /// What one probe saw.
    package struct Probe: Sendable, Hashable {
        package var sendDelay: UInt64
        /// nil when the write failed.
        package var acknowledged: UInt64?
        /// Whether the acknowledgement carried the write log's accepted time.
        package var durable = false
        /// nil when some replica never served the value in time.
        package var visibleEverywhere: UInt64?
        package var visibleSomewhere: UInt64?
        package var writeError: String?
        package var reads: Int
        package var readErrors: Int
        package var firstReadError: String?

        package init(
            sendDelay: UInt64, acknowledged: UInt64?, visibleEverywhere: UInt64?, visibleSomewhere: UInt64?, writeError: String? = nil, reads: Int,
            readErrors: Int, firstReadError: String? = nil
        ) {
            self.sendDelay = sendDelay
            self.acknowledged = acknowledged
            self.visibleEverywhere = visibleEverywhere
            self.visibleSomewhere = visibleSomewhere
            self.writeError = writeError
            self.reads = reads
            self.readErrors = readErrors
            self.firstReadError = firstReadError
        }
    }

    package mutating func record(_ probe: Probe) {
        probes += 1
        reads += probe.reads
        readErrors += probe.readErrors
        _ = sendDelay.record(Self.clamp(probe.sendDelay))
        if let error = probe.writeError {
            writeErrors += 1
            if firstError == nil { firstError = error }
            return
        }
        if let ack = probe.acknowledged { _ = acknowledged.record(Self.clamp(ack)) }
        if probe.durable { durableAcknowledgements += 1 }
        if let first = probe.visibleSomewhere { _ = visibleSomewhere.record(Self.clamp(first)) }
        if let all = probe.visibleEverywhere {
            _ = visibleEverywhere.record(Self.clamp(all))
            if let ack = probe.acknowledged, all < ack { visibleBeforeAcknowledgement += 1 }
        } else {
            notVisible += 1
            if firstError == nil { firstError = probe.firstReadError ?? "a replica did not serve the written value within the visibility timeout" }
        }
    }

    /// Adds another worker's share (workers run side by side).
    package mutating func add(_ other: FreshnessResult) {
        visibleEverywhere.add(other.visibleEverywhere)
        visibleSomewhere.add(other.visibleSomewhere)
        acknowledged.add(other.acknowledged)
        sendDelay.add(other.sendDelay)
        probes += other.probes
        notVisible += other.notVisible
        writeErrors += other.writeErrors
        readErrors += other.readErrors
        reads += other.reads
        visibleBeforeAcknowledgement += other.visibleBeforeAcknowledgement
        durableAcknowledgements += other.durableAcknowledgements
        firstError = firstError ?? other.firstError
        elapsedSeconds = max(elapsedSeconds, other.elapsedSeconds)
    }

    private static func clamp(_ nanoseconds: UInt64) -> UInt64 {
        max(1, min(nanoseconds, RunResult.highestTrackable))
    }
}
