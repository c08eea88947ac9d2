import Foundation
import Histogram
import SkewlessModel
import Testing
@testable import SkewlessBenchmark

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct BenchmarkOutputTests {
    static func sampleRuns() -> [TargetRun] {
        var skewless = RunResult()
        var redis = RunResult()
        // A fixed seed: the checks below read numbers off this sample, not properties of any.
        var rng = SplitMix64(seed: 5)
        for _ in 0..<20_000 {
            let a = UInt64(-100_000 * log(1 - rng.nextUnit())) + 30_000
            skewless.record(latency: a, serviceTime: a)
            redis.record(latency: a + 20_000, serviceTime: a + 20_000)
        }
        skewless.elapsedSeconds = 2
        redis.elapsedSeconds = 2
        redis.errors = 3
        redis.firstError = "boom"
        return [TargetRun(target: "skewless", result: skewless), TargetRun(target: "redis", result: redis)]
    }

    static func sampleReport(_ runs: [TargetRun], label: String = "1x50 c1/f1") throws -> BenchmarkReport {
        let shape = RequestShape(selection: .service("bench_1x50"), joinKey: "user_id", groups: [])
        let workload = try Workload(shape: shape, entitiesPerRequest: 1, keySpace: 1000, distribution: .zipfian(skew: 0.99), seed: 9)
        return BenchmarkReport(
            label: label, command: "fsbench run", workload: .init(workload), loadModel: LoadModel.closed(connections: 1, inFlight: 1).description,
            runs: runs.map(BenchmarkReport.Run.init),
            loads: [SyntheticLoader.Report(target: "redis", view: "bench_float50@1", entities: 1000, fields: 50, seconds: 0.5)],
            memory: .init(entities: 1000, view: "bench_float50@1", nodeRSSBytesPerEntity: 300, redisUsedMemoryBytesPerEntity: 600))
    }

    @Test func jsonReportParsesBack() throws {
        let runs = Self.sampleRuns()
        let report = try Self.sampleReport(runs)
        let data = try report.encoded()
        #expect(try BenchmarkReport.decode(data) == report)
        // Plain JSON too, for other tools.
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let first = (object?["runs"] as? [[String: Any]])?.first
        #expect(first?["target"] as? String == "skewless")
        #expect(((first?["latencyMicros"] as? [String: Any])?["p99_9"] as? Double) == runs[0].result.summary.p999)
    }

    @Test func hgrmFileParsesBackToTheHistogram() throws {
        let histogram = Self.sampleRuns()[0].result.latency
        let text = PercentileDistributionFile.text(of: histogram)
        #expect(text.hasPrefix("       Value     Percentile TotalCount 1/(1-Percentile)"))
        let parsed = try PercentileDistributionFile.parse(text)
        #expect(parsed.totalCount == histogram.totalCount)
        #expect(parsed.lines.last?.totalCount == histogram.totalCount)
        #expect(parsed.lines.last?.percentile == 1.0)
        #expect(zip(parsed.lines, parsed.lines.dropFirst()).allSatisfy { $0.value <= $1.value && $0.percentile <= $1.percentile })
        // Values are microseconds: the line at 50% is the histogram's median in us.
        let median = try #require(parsed.lines.first { $0.percentile >= 0.5 })
        #expect(abs(median.value - Double(histogram.valueAtPercentile(50)) / 1000) < 0.01 * median.value)
    }

    @Test func svgPlotIsWellFormedXML() throws {
        let runs = Self.sampleRuns()
        let svg = PercentilePlot.svg(
            title: "1x50 <skewless & redis>", series: runs.map { PercentilePlot.Series(name: $0.target, histogram: $0.result.latency) } + [
                PercentilePlot.Series(name: "empty", histogram: RunResult.makeHistogram())
            ])
        let parser = XMLParser(data: Data(svg.utf8))
        let delegate = ElementCounter()
        parser.delegate = delegate
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(delegate.counts["svg"] == 1)
        #expect(delegate.counts["polyline"] == 2, "one line per non-empty run")
        #expect(svg.contains(">99.9%<") && svg.contains(">90%<"))
    }

    @Test func tableShowsEveryTargetAndTheRatio() throws {
        let text = ReportTable.text(try Self.sampleReport(Self.sampleRuns()))
        #expect(text.contains("skewless") && text.contains("redis") && text.contains("skewless/redis"))
        #expect(text.contains("redis first error: boom"))
        #expect(text.contains("node/redis 0.50x"))
    }

    @Test func writesEveryFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fsbench-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let runs = Self.sampleRuns()
        let written = try BenchmarkOutput.write(try Self.sampleReport(runs), runs: runs, to: folder.path)
        let names = Set(written.map { URL(fileURLWithPath: $0).lastPathComponent })
        #expect(names == ["1x50-c1-f1.json", "1x50-c1-f1.txt", "1x50-c1-f1-skewless.hgrm", "1x50-c1-f1-redis.hgrm", "1x50-c1-f1.svg"])
    }

    @Test func markdownJudgesTheGoals() throws {
        let runs = Self.sampleRuns()
        let report = try Self.sampleReport(runs, label: "1x50-c1")
        let markdown = MarkdownSummary.markdown([report], goals: .init(latencyLabel: "1x50-c1", throughputLabel: "1x50-c1"))
        #expect(markdown.contains("| 1 x 50, 1 connection: P50 no worse than Redis |"))
        #expect(markdown.contains("yes ("))
        // Equal throughput counts as met; memory 300 vs 600 is met at 0.50x.
        #expect(markdown.contains("| Memory per entity below Redis's (bench_float50@1) | 300 B | 600 B | yes (0.50x) |"))
        #expect(MarkdownSummary.verdict(130, 100, lowerIsBetter: true) == "**no**: 1.30x Redis's (30% over)")
        #expect(MarkdownSummary.verdict(90, 100, lowerIsBetter: true, goal: 0.8) == "**no**: 0.90x Redis's (12% over the goal)")
        #expect(MarkdownSummary.verdict(150, 100, lowerIsBetter: false, goal: 2) == "**no**: 1.50x Redis's (25% short of the goal)")
        #expect(MarkdownSummary.verdict(80, 100, lowerIsBetter: false) == "**no**: 0.80x Redis's (20% short)")
    }
}

extension BenchmarkOutputTests {
    @Test func markdownJudgesTheSweepAgainstTwiceRedisAndShowsEachSlice() throws {
        let runs = Self.sampleRuns()
        var report = try Self.sampleReport(runs, label: "sweep-1x50")
        let run = BenchmarkReport.Run(runs[0])
        func step(_ rate: Double, _ within: Bool) -> BenchmarkReport.SweepStep {
            BenchmarkReport.SweepStep(rate: rate, run: run, withinBound: within, roundP99Micros: [310, 290, 2400])
        }
        report.runs = []
        report.sweep = [
            .init(target: "skewless", p99BoundMicros: 1000, sustainableRate: 8000, steps: [step(4000, true), step(8000, true), step(12000, false)]),
            .init(target: "redis", p99BoundMicros: 1000, sustainableRate: 4000, steps: [step(4000, true), step(8000, false)]),
        ]
        let markdown = MarkdownSummary.markdown([report], goals: .init(sweepLabel: "sweep-1x50"))
        #expect(markdown.contains("| Open loop: sustainable throughput at P99 <= 1.0 ms at least 2x Redis's | 8000 req/s | 4000 req/s | yes (2.00x) |"))
        #expect(markdown.contains("[310 290 2400]"))
        report.sweep?[0].sustainableRate = nil
        #expect(MarkdownSummary.markdown([report], goals: .init(sweepLabel: "sweep-1x50")).contains("**no**: Skewless sustained none of the rates"))
    }
}

final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }
}
