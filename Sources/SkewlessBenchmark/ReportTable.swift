import Foundation

/// The human-readable table of a report: one row per target, then each figure's ratio to the
/// baseline (the last target) where there is one.
package enum ReportTable {
    package static func text(_ report: BenchmarkReport) -> String {
        var lines = ["\(report.label): \(report.workload.shape) (\(report.workload.request)), \(report.workload.keys) keys over \(report.workload.keySpace), \(report.loadModel)"]
        // The first column fits the longest target name ("skewless:bench_1x50"), at least 16.
        let ratioNames = report.runs.count >= 2 ? report.runs.dropLast().map { "\($0.target)/\(report.runs.last?.target ?? "")" } : []
        let nameWidth = max(16, (report.runs.map(\.target) + ratioNames).map(\.count).max() ?? 0)
        func row(_ cells: [String]) -> String { Self.row(cells, nameWidth: nameWidth) }
        if !report.runs.isEmpty {
            lines.append(row(["target", "requests", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "req/s", "errors", "timeouts"]))
            for run in report.runs {
                let l = run.latencyMicros
                lines.append(row([run.target, String(run.requests), f(l.p50), f(l.p90), f(l.p99), f(l.p999), f(l.max), String(Int(run.throughput.rounded())), String(run.errors), String(run.timeouts)]))
            }
            if report.runs.count >= 2, let base = report.runs.last {
                for run in report.runs.dropLast() {
                    let (a, b) = (run.latencyMicros, base.latencyMicros)
                    lines.append(row([
                        "\(run.target)/\(base.target)", "", ratio(a.p50, b.p50), ratio(a.p90, b.p90), ratio(a.p99, b.p99), ratio(a.p999, b.p999),
                        ratio(a.max, b.max), ratio(run.throughput, base.throughput), "", "",
                    ]))
                }
            }
            for run in report.runs {
                guard let late = run.wakeLatenessMicros else { continue }
                lines.append("  \(run.target): service time p50 \(f(run.serviceTimeMicros.p50)) p99 \(f(run.serviceTimeMicros.p99)) us; the generator's timer sent late by p50 \(f(late.p50)) p99 \(f(late.p99)) us (counted in latency)")
            }
            for run in report.runs where run.firstError != nil {
                lines.append("  \(run.target) first error: \(run.firstError ?? "")")
            }
        }
        for load in report.loads { lines.append("  " + load.description) }
        if let memory = report.memory {
            var parts: [String] = []
            if let node = memory.nodeRSSBytesPerEntity { parts.append(String(format: "node RSS %.1f B", node)) }
            if let redis = memory.redisUsedMemoryBytesPerEntity { parts.append(String(format: "redis used_memory %.1f B", redis)) }
            if let rss = memory.redisRSSBytesPerEntity { parts.append(String(format: "redis RSS %.1f B", rss)) }
            if let node = memory.nodeRSSBytesPerEntity, let redis = memory.redisUsedMemoryBytesPerEntity { parts.append("node/redis " + ratio(node, redis)) }
            lines.append("  memory per entity (\(memory.entities) entities of \(memory.view)): " + parts.joined(separator: ", "))
        }
        for sweep in report.sweep ?? [] {
            let sustainable = sweep.sustainableRate.map { "\(Int($0)) req/s" } ?? "none of the rates tried"
            lines.append("  \(sweep.target): sustainable throughput at P99 <= \(f(sweep.p99BoundMicros)) us: \(sustainable)")
            for step in sweep.steps {
                lines.append(String(
                    format: "    %8.0f req/s target  %8.0f achieved  p50 %8.1f  p99 %9.1f us  %@", step.rate, step.run.throughput,
                    step.run.latencyMicros.p50, step.run.latencyMicros.p99, step.withinBound ? "ok" : "over"))
            }
        }
        return lines.joined(separator: "\n")
    }

    package static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// "0.87x"; "-" when the baseline is zero.
    package static func ratio(_ value: Double, _ base: Double) -> String {
        base > 0 ? String(format: "%.2fx", value / base) : "-"
    }

    private static func row(_ cells: [String], nameWidth: Int) -> String {
        let widths = [nameWidth, 9, 9, 9, 9, 9, 9, 9, 7, 9]
        return zip(cells, widths).enumerated().map { index, pair in
            index == 0 ? pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0) : String(repeating: " ", count: max(0, pair.1 - pair.0.count)) + pair.0
        }.joined(separator: " ")
    }
}
