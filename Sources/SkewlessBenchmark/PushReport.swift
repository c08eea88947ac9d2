import Foundation
import SkewlessModel

/// What `fsbench push` measured, as written to JSON and printed: rows per second and
/// per-batch acknowledgement latency of every target, and the issue's goals judged on them.
package struct PushReport: Sendable, Hashable, Codable {
    package var label: String
    /// ISO 8601, UTC.
    package var date: String
    package var machine: BenchmarkReport.Machine
    package var command: String
    /// "bench_float10@1".
    package var view: String
    package var fields: Int
    package var rowsPerBatch: Int
    package var keySpace: Int
    package var connections: Int
    package var inFlight: Int
    /// Per target, over all rounds: "2000000 rows" or "10.0 s".
    package var amount: String
    package var rounds: Int
    package var warmupSeconds: Double
    package var targets: [Target]
    /// The issue's floor for Skewless, rows per second.
    package var goalRowsPerSecond: Double

    package struct Target: Sendable, Hashable, Codable {
        package var target: String
        package var rows: Int
        package var batches: Int
        package var errors: Int
        package var timeouts: Int
        package var firstError: String?
        package var elapsedSeconds: Double
        package var rowsPerSecond: Double
        /// Per batch, from its send to its acknowledgement.
        package var ackMicros: LatencySummary
        /// Per batch, building it for the client before the send (not in `ackMicros`).
        package var prepareMicros: LatencySummary
        package var batchesWithMissedReplicas: Int
        /// Acknowledgements that carried the write log's accepted time (Skewless's durable
        /// acknowledgement); 0 from a node whose writes stay in memory, and from Redis.
        package var durableAcknowledgements: Int
        /// How the target keeps writes: Redis's CONFIG GET answer; for Skewless what its
        /// acknowledgements said.
        package var persistence: String

        package init(_ run: PushTargetRun, persistence: String?) {
            let result = run.result
            target = run.target
            rows = result.rows
            batches = result.batches.completed
            errors = result.batches.errors
            timeouts = result.batches.timeouts
            firstError = result.batches.firstError
            elapsedSeconds = result.batches.elapsedSeconds
            rowsPerSecond = result.rowsPerSecond
            ackMicros = result.batches.summary
            prepareMicros = LatencySummary(result.prepare)
            batchesWithMissedReplicas = result.batchesWithMissedReplicas
            durableAcknowledgements = result.durableAcknowledgements
            if let persistence {
                self.persistence = persistence
            } else if batches == 0 {
                self.persistence = "unknown (no batch acknowledged)"
            } else if durableAcknowledgements == batches {
                self.persistence = "every acknowledgement carried the write log's accepted time (durable)"
            } else {
                self.persistence = "\(durableAcknowledgements) of \(batches) acknowledgements carried the write log's accepted time; "
                    + "the others were not durable (a node without the durable write path, or without --segments)"
            }
        }
    }

    package init(
        label: String, date: Date = Date(), machine: BenchmarkReport.Machine = .current, command: String, view: String, source: PushRowSource,
        connections: Int, inFlight: Int, amount: PushComparison.Amount, rounds: Int, warmupSeconds: Double, targets: [Target],
        goalRowsPerSecond: Double = 300_000
    ) {
        self.label = label
        self.date = ISO8601DateFormatter().string(from: date)
        self.machine = machine
        self.command = command
        self.view = view
        fields = source.fieldCount
        rowsPerBatch = source.rowsPerBatch
        keySpace = source.keySpace
        self.connections = connections
        self.inFlight = inFlight
        self.amount = amount.description
        self.rounds = rounds
        self.warmupSeconds = warmupSeconds
        self.targets = targets
        self.goalRowsPerSecond = goalRowsPerSecond
    }

    /// The goals the issue sets, judged when the figures are there: at least
    /// `goalRowsPerSecond`, and at least Redis's rate in the same run. They are goals of
    /// the durable write path, so they count as met only when every acknowledgement was
    /// durable and no batch failed.
    package var goals: [(goal: String, met: Bool)] {
        guard let skewless = targets.first(where: { $0.target == "skewless" }), skewless.batches > 0 else { return [] }
        let durable = skewless.durableAcknowledgements == skewless.batches && skewless.errors == 0 && skewless.timeouts == 0
        let caveat = durable ? "" : " (but not every acknowledgement was durable, or batches failed)"
        var goals = [(
            goal: "at least \(Int(goalRowsPerSecond)) rows/s: \(Int(skewless.rowsPerSecond.rounded())) rows/s\(caveat)",
            met: durable && skewless.rowsPerSecond >= goalRowsPerSecond
        )]
        if let redis = targets.first(where: { $0.target == "redis" }), redis.batches > 0 {
            goals.append((
                goal: "at least Redis's rows/s: \(ReportTable.ratio(skewless.rowsPerSecond, redis.rowsPerSecond)) Redis's \(Int(redis.rowsPerSecond.rounded()))\(caveat)",
                met: durable && skewless.rowsPerSecond >= redis.rowsPerSecond
            ))
        }
        return goals
    }

    /// The table fsbench prints and writes to `<label>.txt`.
    package var text: String {
        var lines = [
            "\(label): \(rowsPerBatch)-row batches of \(fields) floats into \(view), ids over \(keySpace) keys, "
                + "\(connections) connection\(connections == 1 ? "" : "s") x \(inFlight) batch\(inFlight == 1 ? "" : "es") in flight, "
                + "\(amount) per target in \(rounds) round\(rounds == 1 ? "" : "s")"
        ]
        lines.append(Self.row(["target", "rows", "rows/s", "ack p50 ms", "p90 ms", "p99 ms", "max ms", "build p50 ms", "errors", "timeouts"]))
        func ms(_ micros: Double) -> String { String(format: "%.2f", micros / 1000) }
        for t in targets {
            lines.append(Self.row([
                t.target, String(t.rows), String(Int(t.rowsPerSecond.rounded())), ms(t.ackMicros.p50), ms(t.ackMicros.p90), ms(t.ackMicros.p99),
                ms(t.ackMicros.max), ms(t.prepareMicros.p50), String(t.errors), String(t.timeouts),
            ]))
        }
        if targets.count >= 2, let base = targets.last {
            for t in targets.dropLast() {
                lines.append(Self.row([
                    "\(t.target)/\(base.target)", "", ReportTable.ratio(t.rowsPerSecond, base.rowsPerSecond),
                    ReportTable.ratio(t.ackMicros.p50, base.ackMicros.p50), ReportTable.ratio(t.ackMicros.p90, base.ackMicros.p90),
                    ReportTable.ratio(t.ackMicros.p99, base.ackMicros.p99), ReportTable.ratio(t.ackMicros.max, base.ackMicros.max), "", "", "",
                ]))
            }
        }
        for t in targets {
            lines.append("  \(t.target): \(t.persistence)")
            if t.batchesWithMissedReplicas > 0 {
                lines.append("  \(t.target): \(t.batchesWithMissedReplicas) batches acknowledged with a replica missing")
            }
            if let error = t.firstError { lines.append("  \(t.target) first error: \(error)") }
        }
        for goal in goals { lines.append("  goal \(goal.goal): \(goal.met ? "met" : "not met")") }
        return lines.joined(separator: "\n")
    }

    private static func row(_ cells: [String]) -> String {
        let widths = [16, 10, 9, 11, 8, 8, 8, 13, 7, 9]
        return zip(cells, widths).enumerated().map { index, pair in
            index == 0 ? pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0) : String(repeating: " ", count: max(0, pair.1 - pair.0.count)) + pair.0
        }.joined(separator: " ")
    }
}
