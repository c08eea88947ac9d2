import Foundation
import SkewlessModel

/// What `fsbench freshness` measured, as written to JSON and printed: the latency from a
/// write's send until every replica served its value, against the issue's P99 goal.
package struct FreshnessReport: Sendable, Hashable, Codable {
    package var label: String
    /// ISO 8601, UTC.
    package var date: String
    package var machine: BenchmarkReport.Machine
    package var command: String
    package var view: String
    /// "1 node (127.0.0.1:7421)" or "3 nodes, 1024 partitions x 2 replicas, map epoch 1".
    package var placement: String
    package var replicationFactor: Int
    /// Writes per second.
    package var rate: Double
    package var seconds: Double
    package var pollIntervalMicros: Double
    package var probes: Int
    /// From the send until every replica served the value: the event-to-servable latency.
    package var visibleEverywhereMicros: LatencySummary
    /// Until the first replica served it.
    package var visibleSomewhereMicros: LatencySummary
    package var acknowledgedMicros: LatencySummary
    /// How late the generator sent writes after their due times (not counted in the above).
    package var sendDelayMicros: LatencySummary
    package var notVisible: Int
    package var writeErrors: Int
    package var readErrors: Int
    package var readsPerProbe: Double
    package var visibleBeforeAcknowledgement: Int
    /// Acknowledgements that carried the write log's accepted time.
    package var durableAcknowledgements: Int
    package var firstError: String?
    package var goalP99Micros: Double

    package init(
        label: String, date: Date = Date(), machine: BenchmarkReport.Machine = .current, command: String, view: String, placement: String,
        replicationFactor: Int, rate: Double, seconds: Double, pollIntervalMicros: Double, result: FreshnessResult, goalP99Micros: Double
    ) {
        self.label = label
        self.date = ISO8601DateFormatter().string(from: date)
        self.machine = machine
        self.command = command
        self.view = view
        self.placement = placement
        self.replicationFactor = replicationFactor
        self.rate = rate
        self.seconds = seconds
        self.pollIntervalMicros = pollIntervalMicros
        probes = result.probes
        visibleEverywhereMicros = LatencySummary(result.visibleEverywhere)
        visibleSomewhereMicros = LatencySummary(result.visibleSomewhere)
        acknowledgedMicros = LatencySummary(result.acknowledged)
        sendDelayMicros = LatencySummary(result.sendDelay)
        notVisible = result.notVisible
        writeErrors = result.writeErrors
        readErrors = result.readErrors
        readsPerProbe = result.probes > 0 ? Double(result.reads) / Double(result.probes) : 0
        visibleBeforeAcknowledgement = result.visibleBeforeAcknowledgement
        durableAcknowledgements = result.durableAcknowledgements
        firstError = result.firstError
        self.goalP99Micros = goalP99Micros
    }

    /// Whether every write was served everywhere, without errors, at P99 within the goal.
    package var goalMet: Bool {
        probes > 0 && notVisible == 0 && writeErrors == 0 && visibleEverywhereMicros.p99 <= goalP99Micros
    }

    /// The table fsbench prints and writes to `<label>.txt`.
    package var text: String {
        var lines = [
            "\(label): \(probes) one-row writes at \(Int(rate))/s into \(view), each read back from every replica of its partition "
                + "(\(placement); polled from the send, every \(ReportTable.f(pollIntervalMicros)) us over the first 5 ms)"
        ]
        lines.append(Self.row(["from the send until", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us"]))
        for (name, l) in [
            ("served by every replica", visibleEverywhereMicros), ("served by one replica", visibleSomewhereMicros), ("acknowledged", acknowledgedMicros),
        ] {
            lines.append(Self.row([name, ReportTable.f(l.p50), ReportTable.f(l.p90), ReportTable.f(l.p99), ReportTable.f(l.p999), ReportTable.f(l.max)]))
        }
        lines.append(
            "  \(notVisible) not served everywhere within the timeout, \(writeErrors) write errors, \(readErrors) read errors, "
                + String(format: "%.1f reads per write; ", readsPerProbe)
                + "\(visibleBeforeAcknowledgement) of \(probes) served by every replica before their acknowledgement")
        lines.append(
            "  \(durableAcknowledgements) of \(probes - writeErrors) acknowledgements carried the write log's accepted time"
                + (durableAcknowledgements == probes - writeErrors ? " (durable)" : " (the others were not durable: a node without the durable write path, or without --segments)"))
        lines.append(
            "  the generator sent writes late by p50 \(ReportTable.f(sendDelayMicros.p50)) us, p99 \(ReportTable.f(sendDelayMicros.p99)) us (not counted above)")
        if let firstError { lines.append("  first error: \(firstError)") }
        let unserved = notVisible + writeErrors > 0 ? " (\(notVisible + writeErrors) of \(probes) writes never served everywhere)" : ""
        lines.append(
            "  goal P99 <= \(ReportTable.f(goalP99Micros / 1000)) ms: \(ReportTable.f(visibleEverywhereMicros.p99 / 1000)) ms\(unserved), \(goalMet ? "met" : "not met")")
        return lines.joined(separator: "\n")
    }

    private static func row(_ cells: [String]) -> String {
        let widths = [26, 9, 9, 9, 9, 9]
        return zip(cells, widths).enumerated().map { index, pair in
            index == 0 ? pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0) : String(repeating: " ", count: max(0, pair.1 - pair.0.count)) + pair.0
        }.joined(separator: " ")
    }
}
