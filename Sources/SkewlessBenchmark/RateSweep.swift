import Histogram
import SkewlessModel

/// Steps an open-loop rate up until P99 crosses a bound: the sustainable throughput at that
/// latency objective is the highest rate that stayed within it. A step is within the bound
/// when its P99 (from intended send times) is at most the bound, it achieved at least 95%
/// of the rate, and no more than 0.1% of its requests failed or timed out.
package struct RateSweep: Sendable {
    package var rates: [Double]
    package var p99BoundNanoseconds: UInt64

    package init(rates: [Double], p99BoundNanoseconds: UInt64) throws(SkewlessError) {
        guard !rates.isEmpty, rates.allSatisfy({ $0 > 0 }), zip(rates, rates.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SkewlessError(.invalidArgument, "a sweep needs increasing positive rates; got \(rates)")
        }
        guard p99BoundNanoseconds > 0 else { throw SkewlessError(.invalidArgument, "the P99 bound must be positive") }
        self.rates = rates
        self.p99BoundNanoseconds = p99BoundNanoseconds
    }

    /// Rates start, start + step, ... up to and including max.
    package static func linearRates(start: Double, step: Double, max: Double) throws(SkewlessError) -> [Double] {
        guard start > 0, step > 0, max >= start, (max - start) / step < 1000 else {
            throw SkewlessError(.invalidArgument, "sweep rates: start and step must be positive, max at least start, and at most 1000 steps")
        }
        return stride(from: start, through: max + step / 1000, by: step).map { $0 }
    }

    package func isWithinBound(_ result: RunResult, rate: Double) -> Bool {
        let attempted = result.completed + result.errors + result.timeouts
        let failed = result.errors + result.timeouts
        return result.completed > 0 && result.latency.valueAtPercentile(99) <= p99BoundNanoseconds
            && result.throughput >= 0.95 * rate && Double(failed) <= 0.001 * Double(attempted)
    }

    /// Runs each target at each rate in turn (all targets at one rate, then the next rate),
    /// until every target has crossed the bound or the rates run out. A target that crossed
    /// is not run again.
    package func run(
        targets: [String], measure: (_ target: Int, _ rate: Double) async throws(SkewlessError) -> RunResult
    ) async throws(SkewlessError) -> [BenchmarkReport.SweepTarget] {
        var sweeps = targets.map { BenchmarkReport.SweepTarget(target: $0, p99BoundMicros: Double(p99BoundNanoseconds) / 1000, sustainableRate: nil, steps: []) }
        var active = Set(targets.indices)
        for rate in rates where !active.isEmpty {
            for index in targets.indices where active.contains(index) {
                let result = try await measure(index, rate)
                let within = isWithinBound(result, rate: rate)
                sweeps[index].steps.append(
                    BenchmarkReport.SweepStep(rate: rate, run: BenchmarkReport.Run(TargetRun(target: targets[index], result: result)), withinBound: within))
                if within {
                    sweeps[index].sustainableRate = rate
                } else {
                    active.remove(index)
                }
            }
        }
        return sweeps
    }
}
