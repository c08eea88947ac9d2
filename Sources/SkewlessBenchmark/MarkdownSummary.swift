import Foundation

/// The benchmark table of bench/README.md, from the JSON reports of one bench/run.sh: every
/// comparison side by side with ratios, the sweeps, memory, and the issue's goals with
/// whether each is met and by how much it is missed.
package enum MarkdownSummary {
    /// Which reports the goals are judged on.
    package struct Goals: Sendable {
        /// 1 x 50 from one connection, one request in flight: Skewless P50 and P99 <= Redis's.
        package var latencyLabel: String?
        /// Requests in flight: Skewless throughput >= Redis's.
        package var throughputLabel: String?
        /// A rate sweep: Skewless's sustainable throughput at least twice Redis's.
        package var sweepLabel: String?
        /// One embedding per request: Skewless P50 at most 0.8x Redis's.
        package var embeddingLabel: String?

        package init(latencyLabel: String? = nil, throughputLabel: String? = nil, sweepLabel: String? = nil, embeddingLabel: String? = nil) {
            self.latencyLabel = latencyLabel
            self.throughputLabel = throughputLabel
            self.sweepLabel = sweepLabel
            self.embeddingLabel = embeddingLabel
        }
    }

    package static func markdown(_ reports: [BenchmarkReport], goals: Goals) -> String {
        var out: [String] = []
        if let first = reports.first {
            let m = first.machine
            out.append("Measured \(first.date.prefix(10)) on \(m.cpus) CPUs (\(m.cpuModel)), \(m.memoryGiB) GiB, \(m.os).")
            out.append("")
        }
        let comparisons = reports.filter { !$0.runs.isEmpty }
        if !comparisons.isEmpty {
            out.append("| Run | Shape | Keys | Load | Target | p50 us | p90 us | p99 us | p99.9 us | max us | req/s | errors | timeouts |")
            out.append("| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for report in comparisons {
                for (index, run) in report.runs.enumerated() {
                    let l = run.latencyMicros
                    let first = index == 0
                    out.append(
                        "| \(first ? report.label : "") | \(first ? report.workload.shape : "") | \(first ? report.workload.keys : "") | \(first ? report.loadModel : "") | \(run.target) | "
                            + [l.p50, l.p90, l.p99, l.p999, l.max].map(ReportTable.f).joined(separator: " | ")
                            + " | \(Int(run.throughput.rounded())) | \(run.errors) | \(run.timeouts) |")
                }
                if report.runs.count >= 2, let base = report.runs.last, let first = report.runs.first {
                    let (a, b) = (first.latencyMicros, base.latencyMicros)
                    out.append(
                        "| | | | | *\(first.target)/\(base.target)* | " + [(a.p50, b.p50), (a.p90, b.p90), (a.p99, b.p99), (a.p999, b.p999), (a.max, b.max)]
                            .map { "*" + ReportTable.ratio($0.0, $0.1) + "*" }.joined(separator: " | ") + " | *\(ReportTable.ratio(first.throughput, base.throughput))* | | |")
                }
            }
        }
        let sweeps = reports.filter { $0.sweep != nil }
        if !sweeps.isEmpty {
            out.append("")
            out.append("| Sweep | Target | P99 bound | Sustainable throughput | Steps (rate: p99 us of the slices merged [each slice's]) |")
            out.append("| --- | --- | ---: | ---: | --- |")
            for report in sweeps {
                for sweep in report.sweep ?? [] {
                    let steps = sweep.steps.map { step in
                        let rounds = (step.roundP99Micros ?? []).count > 1 ? " [" + (step.roundP99Micros ?? []).map { String(format: "%.0f", $0) }.joined(separator: " ") + "]" : ""
                        return "\(Int(step.rate)): \(ReportTable.f(step.run.latencyMicros.p99))\(rounds)\(step.withinBound ? "" : " (over)")"
                    }.joined(separator: ", ")
                    out.append("| \(report.label) (\(report.workload.shape)) | \(sweep.target) | \(ReportTable.f(sweep.p99BoundMicros)) us | \(sweep.sustainableRate.map { "\(Int($0)) req/s" } ?? "below the first step") | \(steps) |")
                }
            }
        }
        let memories = reports.compactMap { report in report.memory.map { (report.label, $0) } }
        if !memories.isEmpty {
            out.append("")
            out.append("| Memory | Entities | Node RSS per entity | Redis used_memory per entity | Node / Redis | (Redis RSS per entity) |")
            out.append("| --- | ---: | ---: | ---: | ---: | ---: |")
            for (label, memory) in memories {
                out.append(
                    "| \(label) (\(memory.view)) | \(memory.entities) | \(bytes(memory.nodeRSSBytesPerEntity)) | \(bytes(memory.redisUsedMemoryBytesPerEntity)) | "
                        + "\(memory.nodeRSSBytesPerEntity.flatMap { n in memory.redisUsedMemoryBytesPerEntity.map { ReportTable.ratio(n, $0) } } ?? "-") | \(bytes(memory.redisRSSBytesPerEntity)) |")
            }
        }
        out.append("")
        out.append(contentsOf: goalLines(reports, goals: goals))
        if !reports.isEmpty {
            out.append("")
            out.append("<details><summary>The fsbench commands of this run</summary>")
            out.append("")
            out.append("```sh")
            out.append(contentsOf: reports.map(\.command))
            out.append("```")
            out.append("")
            out.append("</details>")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The goals table: met or missed, and by how much.
    package static func goalLines(_ reports: [BenchmarkReport], goals: Goals) -> [String] {
        var lines = ["| Goal (side by side, same run) | Skewless | Redis | Met? |", "| --- | ---: | ---: | --- |"]
        func runs(_ label: String?) -> (BenchmarkReport.Run, BenchmarkReport.Run)? {
            guard let label, let report = reports.first(where: { $0.label == label }),
                let skewless = report.runs.first(where: { $0.target == "skewless" }), let redis = report.runs.first(where: { $0.target == "redis" })
            else { return nil }
            return (skewless, redis)
        }
        if let (s, r) = runs(goals.latencyLabel) {
            lines.append("| 1 x 50, 1 connection: P50 no worse than Redis | \(ReportTable.f(s.latencyMicros.p50)) us | \(ReportTable.f(r.latencyMicros.p50)) us | \(verdict(s.latencyMicros.p50, r.latencyMicros.p50, lowerIsBetter: true)) |")
            lines.append("| 1 x 50, 1 connection: P99 no worse than Redis | \(ReportTable.f(s.latencyMicros.p99)) us | \(ReportTable.f(r.latencyMicros.p99)) us | \(verdict(s.latencyMicros.p99, r.latencyMicros.p99, lowerIsBetter: true)) |")
        }
        if let (s, r) = runs(goals.throughputLabel) {
            lines.append("| Throughput with requests in flight at least Redis's | \(Int(s.throughput)) req/s | \(Int(r.throughput)) req/s | \(verdict(s.throughput, r.throughput, lowerIsBetter: false)) |")
        }
        if let (s, r) = runs(goals.embeddingLabel) {
            lines.append("| One 768-d embedding, 1 connection: P50 at most 0.8x Redis's | \(ReportTable.f(s.latencyMicros.p50)) us | \(ReportTable.f(r.latencyMicros.p50)) us | \(verdict(s.latencyMicros.p50, r.latencyMicros.p50, lowerIsBetter: true, goal: 0.8)) |")
        }
        if let label = goals.sweepLabel, let sweep = reports.first(where: { $0.label == label })?.sweep,
            let s = sweep.first(where: { $0.target == "skewless" }), let r = sweep.first(where: { $0.target == "redis" })
        {
            let bound = ReportTable.f(s.p99BoundMicros / 1000)
            let rate = { (target: BenchmarkReport.SweepTarget) in target.sustainableRate.map { "\(Int($0)) req/s" } ?? "below \(Int(target.steps.first?.rate ?? 0)) req/s" }
            let met: String
            switch (s.sustainableRate, r.sustainableRate) {
            case (let a?, let b?): met = verdict(a, b, lowerIsBetter: false, goal: 2)
            case (.some, nil): met = "yes (Redis sustained none of the rates)"
            case (nil, _): met = "**no**: Skewless sustained none of the rates"
            }
            lines.append("| Open loop: sustainable throughput at P99 <= \(bound) ms at least 2x Redis's | \(rate(s)) | \(rate(r)) | \(met) |")
        }
        if let memory = reports.compactMap(\.memory).first(where: { $0.nodeRSSBytesPerEntity != nil && $0.redisUsedMemoryBytesPerEntity != nil }),
            let node = memory.nodeRSSBytesPerEntity, let redis = memory.redisUsedMemoryBytesPerEntity
        {
            lines.append("| Memory per entity below Redis's (\(memory.view)) | \(bytes(node)) | \(bytes(redis)) | \(verdict(node, redis, lowerIsBetter: true)) |")
        }
        return lines
    }

    /// "yes (0.85x)" or "**no**: 1.32x Redis's", against a goal of `goal` times Redis's.
    static func verdict(_ value: Double, _ base: Double, lowerIsBetter: Bool, goal: Double = 1) -> String {
        guard base > 0 else { return "-" }
        let ratio = value / base
        let met = lowerIsBetter ? ratio <= goal : ratio >= goal
        if met { return String(format: "yes (%.2fx)", ratio) }
        let over = goal == 1 ? "" : " the goal"
        let short = goal == 1 ? "" : " of the goal"
        return lowerIsBetter
            ? String(format: "**no**: %.2fx Redis's (%.0f%% over%@)", ratio, (ratio / goal - 1) * 100, over)
            : String(format: "**no**: %.2fx Redis's (%.0f%% short%@)", ratio, (1 - ratio / goal) * 100, short)
    }

    static func bytes(_ value: Double?) -> String {
        value.map { String(format: "%.0f B", $0) } ?? "-"
    }
}
