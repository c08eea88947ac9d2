/// When the anti-entropy loop compares which partitions: a pass over the node's partitions
/// every `intervalMicros`, at most `partitionsPerSecond` of them per second. A value type
/// advanced by the loop's ticks, with no clock or I/O of its own (tested on its own).
struct AntiEntropySchedule: Sendable, Hashable {
    enum Action: Sendable, Hashable {
        /// Nothing to do this tick.
        case wait
        /// Compare these partitions; `endsPass`: the last of the pass.
        case compare([Int], endsPass: Bool)
    }

    let intervalMicros: Int64
    let partitionsPerSecond: Double
    /// Partitions of the pass in progress not yet compared; nil between passes.
    private(set) var remaining: [Int]?
    private var passStartedMicros: Int64 = 0
    private var nextPassMicros: Int64
    /// Partitions the rate allows now (fractions carry over, so 0.5/s is one every 2 s).
    private var budget = 0.0
    private var lastTickMicros: Int64

    /// The first pass starts one interval after `nowMicros` (the node loads its partitions
    /// first).
    init(intervalSeconds: Double, partitionsPerSecond: Double, nowMicros: Int64) {
        intervalMicros = Int64(max(0, intervalSeconds) * 1_000_000)
        self.partitionsPerSecond = max(0.001, partitionsPerSecond)
        nextPassMicros = nowMicros + intervalMicros
        lastTickMicros = nowMicros
    }

    /// What to do at `nowMicros`. `eligible` lists the partitions of a new pass (asked only
    /// when one starts).
    mutating func tick(nowMicros: Int64, eligible: () -> [Int]) -> Action {
        let elapsed = Double(max(0, nowMicros - lastTickMicros)) / 1_000_000
        lastTickMicros = nowMicros
        if remaining == nil {
            guard nowMicros >= nextPassMicros else { return .wait }
            remaining = eligible()
            passStartedMicros = nowMicros
            budget = 1
        } else {
            // At most one second's worth banked: a slow round does not cause a burst after it.
            budget = min(budget + elapsed * partitionsPerSecond, max(1, partitionsPerSecond))
        }
        guard var left = remaining else { return .wait }
        let take = min(left.count, Int(budget))
        if left.isEmpty {
            finishPass()
            return .compare([], endsPass: true)
        }
        guard take > 0 else { return .wait }
        budget -= Double(take)
        let chunk = Array(left.prefix(take))
        left.removeFirst(take)
        remaining = left
        if left.isEmpty { finishPass() }
        return .compare(chunk, endsPass: left.isEmpty)
    }

    private mutating func finishPass() {
        remaining = nil
        nextPassMicros = passStartedMicros + intervalMicros
    }
}
