import Histogram
import SkewlessModel

/// Steps an open-loop rate up until P99 crosses a bound: the sustainable throughput at that
/// latency objective is the highest rate that stayed within it. A step is within the bound
/// when its P99 (from intended send times) is at most the bound, it achieved at least 95%
/// of the rate, and no more than 0.1% of its requests failed or timed out.
///
/// Each step runs in `rounds` slices per target, the targets alternating (A B, B A, A B...),
/// and is judged on the slices merged. One slice per target and rate made the figure a coin
/// toss on this machine: a single stall of the machine in one target's only slice (the
/// virtual machine's own timer overshoots by 2-4 ms about once in a thousand sleeps) decided
/// the target's sustainable rate, and the target was not run again. Merged slices spread
/// such stalls over both targets and weigh them by the time they last.
package struct RateSweep: Sendable {
    package var rates: [Double]
    package var p99BoundNanoseconds: UInt64
    /// Slices per target and rate.
    package var rounds: Int

    package init(rates: [Double], p99BoundNanoseconds: UInt64, rounds: Int = 3) throws(SkewlessError) {
        guard rounds >= 1 else { throw SkewlessError(.invalidArgument, "a sweep needs at least one round per step; got \(rounds)") }
        guard !rates.isEmpty, rates.allSatisfy({ $0 > 0 }), zip(rates, rates.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SkewlessError(.invalidArgument, "a sweep needs increasing positive rates; got \(rates)")
        }
        guard p99BoundNanoseconds > 0 else { throw SkewlessError(.invalidArgument, "the P99 bound must be positive") }
        self.rates = rates
        self.p99BoundNanoseconds = p99BoundNanoseconds
        self.rounds = rounds
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
    /// `rounds` slices each with the order of the targets reversed every round, until every
    /// target has crossed the bound or the rates run out. A target that crossed is not run
    /// again.
    /// - Parameter measure: one slice of one target at one rate.
    package func run(
        targets: [String], measure: (_ target: Int, _ rate: Double) async throws(SkewlessError) -> RunResult
    ) async throws(SkewlessError) -> [BenchmarkReport.SweepTarget] {
        var sweeps = targets.map { BenchmarkReport.SweepTarget(target: $0, p99BoundMicros: Double(p99BoundNanoseconds) / 1000, sustainableRate: nil, steps: []) }
        var active = Set(targets.indices)
        for rate in rates where !active.isEmpty {
            let running = targets.indices.filter { active.contains($0) }
            var merged = [Int: RunResult]()
            var roundP99 = [Int: [Double]]()
            for round in 0..<rounds {
                for index in round % 2 == 0 ? running : running.reversed() {
                    let slice = try await measure(index, rate)
                    roundP99[index, default: []].append(Double(slice.latency.valueAtPercentile(99)) / 1000)
                    merged[index, default: RunResult()].append(slice)
                }
            }
            for index in running {
                let result = merged[index] ?? RunResult()
                let within = isWithinBound(result, rate: rate)
                sweeps[index].steps.append(
                    BenchmarkReport.SweepStep(
                        rate: rate, run: BenchmarkReport.Run(TargetRun(target: targets[index], result: result)), withinBound: within,
                        roundP99Micros: roundP99[index] ?? []))
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
