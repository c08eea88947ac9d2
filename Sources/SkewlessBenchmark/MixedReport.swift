import Foundation
import SkewlessModel

/// What `fsbench mixed` measured, as written to JSON and printed: each target's reads idle
/// and under the write stream, their ratio, what the stream achieved, and the issue's goal
/// (Skewless's P99 under the stream at most twice its idle P99).
package struct MixedReport: Sendable, Hashable, Codable {
    package var label: String
    /// ISO 8601, UTC.
    package var date: String
    package var machine: BenchmarkReport.Machine
    package var command: String
    package var workload: BenchmarkReport.WorkloadDescription
    /// The reads' `LoadModel.description`.
    package var loadModel: String
    /// The view the stream writes into.
    package var streamView: String
    /// `StreamPace.description`.
    package var stream: String
    package var streamRowsPerSecond: Double
    package var streamInFlight: Int
    package var rounds: Int
    package var targets: [Target]
    /// Goal: P99 under the stream at most this many times the idle P99.
    package var goalP99Ratio: Double

    package struct Target: Sendable, Hashable, Codable {
        package var target: String
        package var idle: BenchmarkReport.Run
        package var underWrites: BenchmarkReport.Run
        /// Rows acknowledged per second over the loaded slices (settle time included).
        package var streamRowsPerSecond: Double
        /// From each batch's due time to its acknowledgement.
        package var streamAckMicros: LatencySummary
        package var streamErrors: Int
        package var streamTimeouts: Int
        package var streamFirstError: String?
        /// Stream batches whose acknowledgement carried the write log's accepted time, of
        /// those acknowledged (0 for Redis, whose acknowledgements carry none).
        package var streamDurableAcknowledgements: Int
        package var streamBatches: Int

        package init(_ run: MixedTargetRun) {
            target = run.target
            idle = BenchmarkReport.Run(TargetRun(target: run.target, result: run.idle))
            underWrites = BenchmarkReport.Run(TargetRun(target: run.target, result: run.loaded))
            streamRowsPerSecond = run.stream.rowsPerSecond
            streamAckMicros = run.stream.batches.summary
            streamErrors = run.stream.batches.errors
            streamTimeouts = run.stream.batches.timeouts
            streamFirstError = run.stream.batches.firstError
            streamDurableAcknowledgements = run.stream.durableAcknowledgements
            streamBatches = run.stream.batches.completed
        }

        /// P99 under the stream over idle P99.
        package var p99Ratio: Double {
            idle.latencyMicros.p99 > 0 ? underWrites.latencyMicros.p99 / idle.latencyMicros.p99 : .infinity
        }
    }

    package init(
        label: String, date: Date = Date(), machine: BenchmarkReport.Machine = .current, command: String, workload: Workload, loadModel: LoadModel,
        streamView: String, pace: StreamPace, streamInFlight: Int, rounds: Int, targets: [Target], goalP99Ratio: Double = 2
    ) {
        self.label = label
        self.date = ISO8601DateFormatter().string(from: date)
        self.machine = machine
        self.command = command
        self.workload = BenchmarkReport.WorkloadDescription(workload)
        self.loadModel = loadModel.description
        self.streamView = streamView
        stream = pace.description
        streamRowsPerSecond = pace.rowsPerSecond
        self.streamInFlight = streamInFlight
        self.rounds = rounds
        self.targets = targets
        self.goalP99Ratio = goalP99Ratio
    }

    /// Whether Skewless's P99 under the stream stayed within `goalP99Ratio` of its idle
    /// P99 with its stream at the pace (95% achieved, no failed batch) and no failed read;
    /// nil without a Skewless run.
    package var goalMet: Bool? {
        guard let skewless = targets.first(where: { $0.target == "skewless" }), skewless.idle.requests > 0 else { return nil }
        return skewless.p99Ratio <= goalP99Ratio && skewless.streamRowsPerSecond >= 0.95 * streamRowsPerSecond && skewless.streamErrors == 0
            && skewless.streamTimeouts == 0 && skewless.underWrites.errors == 0 && skewless.underWrites.timeouts == 0
    }

    /// The table fsbench prints and writes to `<label>.txt`.
    package var text: String {
        var lines = [
            "\(label): \(workload.shape) (\(workload.request)), \(workload.keys) keys over \(workload.keySpace), \(loadModel); "
                + "idle and while \(stream) are pushed into \(streamView), up to \(streamInFlight) batches in flight"
        ]
        lines.append(Self.row(["target", "phase", "requests", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "req/s", "errors", "timeouts"]))
        let f = ReportTable.f
        for t in targets {
            for (phase, run) in [("idle", t.idle), ("under writes", t.underWrites)] {
                let l = run.latencyMicros
                lines.append(Self.row([
                    t.target, phase, String(run.requests), f(l.p50), f(l.p90), f(l.p99), f(l.p999), f(l.max), String(Int(run.throughput.rounded())),
                    String(run.errors), String(run.timeouts),
                ]))
            }
            let (a, b) = (t.underWrites.latencyMicros, t.idle.latencyMicros)
            lines.append(Self.row([
                "", "under/idle", "", ReportTable.ratio(a.p50, b.p50), ReportTable.ratio(a.p90, b.p90), ReportTable.ratio(a.p99, b.p99),
                ReportTable.ratio(a.p999, b.p999), ReportTable.ratio(a.max, b.max), ReportTable.ratio(t.underWrites.throughput, t.idle.throughput), "", "",
            ]))
        }
        for t in targets {
            lines.append(
                "  \(t.target) stream: \(Int(t.streamRowsPerSecond.rounded())) rows/s acknowledged of \(Int(streamRowsPerSecond.rounded())); "
                    + "acknowledgement from each batch's due time p50 \(f(t.streamAckMicros.p50 / 1000)) ms, p99 \(f(t.streamAckMicros.p99 / 1000)) ms; "
                    + "\(t.streamErrors) errors, \(t.streamTimeouts) timeouts"
                    + (t.target == "skewless" ? "; \(t.streamDurableAcknowledgements) of \(t.streamBatches) acknowledgements durable" : ""))
            if let error = t.streamFirstError { lines.append("  \(t.target) stream first error: \(error)") }
            for run in [t.idle, t.underWrites] where run.firstError != nil { lines.append("  \(t.target) first read error: \(run.firstError ?? "")") }
        }
        if let met = goalMet, let skewless = targets.first(where: { $0.target == "skewless" }) {
            lines.append(
                "  goal P99 under writes <= \(f(goalP99Ratio))x idle, stream at its pace: \(String(format: "%.2fx", skewless.p99Ratio)) "
                    + "(\(f(skewless.underWrites.latencyMicros.p99)) us against \(f(skewless.idle.latencyMicros.p99)) us), \(met ? "met" : "not met")")
        }
        return lines.joined(separator: "\n")
    }

    private static func row(_ cells: [String]) -> String {
        let widths = [10, 13, 9, 9, 9, 9, 9, 9, 8, 7, 9]
        return zip(cells, widths).enumerated().map { index, pair in
            index <= 1 ? pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0) : String(repeating: " ", count: max(0, pair.1 - pair.0.count)) + pair.0
        }.joined(separator: " ")
    }
}
