import Foundation
import Histogram

/// Latencies and counts of one run (or one worker), mergeable.
struct BenchResult: Sendable {
    /// Nanoseconds, 1 ns to 60 s, 3 significant digits.
    var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var errors = 0
    var timeouts = 0
    var firstError: String?
    var elapsedSeconds = 0.0

    var completed: Int { Int(histogram.totalCount) }

    mutating func record(nanoseconds: UInt64) {
        _ = histogram.record(max(1, min(nanoseconds, 60_000_000_000)))
    }

    mutating func add(_ other: BenchResult) {
        histogram.add(other.histogram)
        errors += other.errors
        timeouts += other.timeouts
        firstError = firstError ?? other.firstError
    }

    func micros(atPercentile p: Double) -> Double {
        Double(histogram.valueAtPercentile(p)) / 1000
    }

    var throughput: Double { elapsedSeconds > 0 ? Double(completed) / elapsedSeconds : 0 }

    func table(title: String) -> String {
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var lines = [
            title,
            "  requests   p50 us   p90 us   p99 us  p99.9 us   max us      req/s  errors  timeouts",
            "  " + [
                String(completed).leftPad(8), f(micros(atPercentile: 50)).leftPad(8), f(micros(atPercentile: 90)).leftPad(8),
                f(micros(atPercentile: 99)).leftPad(8), f(micros(atPercentile: 99.9)).leftPad(9), f(Double(histogram.max) / 1000).leftPad(8),
                String(Int(throughput)).leftPad(10), String(errors).leftPad(7), String(timeouts).leftPad(9),
            ].joined(separator: " "),
        ]
        if let firstError { lines.append("  first error: \(firstError)") }
        return lines.joined(separator: "\n")
    }

    func json(title: String, configuration: [String: String]) throws -> Data {
        let object: [String: Any] = [
            "title": title,
            "configuration": configuration,
            "requests": completed,
            "errors": errors,
            "timeouts": timeouts,
            "elapsed_s": elapsedSeconds,
            "throughput_rps": throughput,
            "latency_us": [
                "p50": micros(atPercentile: 50), "p90": micros(atPercentile: 90), "p99": micros(atPercentile: 99),
                "p99_9": micros(atPercentile: 99.9), "max": Double(histogram.max) / 1000, "mean": histogram.mean / 1000,
            ],
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}

extension String {
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
