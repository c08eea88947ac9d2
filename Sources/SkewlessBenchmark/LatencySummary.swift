import Histogram

/// The percentiles a report shows, in microseconds.
package struct LatencySummary: Sendable, Hashable, Codable {
    package var p50: Double
    package var p90: Double
    package var p99: Double
    package var p999: Double
    package var max: Double
    package var mean: Double

    enum CodingKeys: String, CodingKey {
        case p50, p90, p99, p999 = "p99_9", max, mean
    }

    package init(p50: Double, p90: Double, p99: Double, p999: Double, max: Double, mean: Double) {
        (self.p50, self.p90, self.p99, self.p999, self.max, self.mean) = (p50, p90, p99, p999, max, mean)
    }

    /// From a histogram of nanoseconds. An empty histogram gives zeros.
    package init(_ histogram: Histogram<UInt64>) {
        guard histogram.totalCount > 0 else {
            self.init(p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0)
            return
        }
        func micros(_ p: Double) -> Double { Double(histogram.valueAtPercentile(p)) / 1000 }
        self.init(
            p50: micros(50), p90: micros(90), p99: micros(99), p999: micros(99.9),
            max: Double(histogram.max) / 1000, mean: histogram.mean / 1000)
    }
}
