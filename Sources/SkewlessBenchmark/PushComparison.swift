import SkewlessModel

/// Pushes the same rows into several targets, alternately, as `ComparisonRunner` does for
/// reads: after an unmeasured warm-up of each, the measured amount is cut into rounds and
/// every round pushes each target once (the order flips every round), so drift on a shared
/// machine falls on all targets alike. In round r every target gets the same batches.
package struct PushComparison: Sendable {
    /// How much each target pushes, over all rounds.
    package enum Amount: Sendable, Hashable, CustomStringConvertible {
        case rows(Int)
        case seconds(Double)

        package var description: String {
            switch self {
            case .rows(let rows): return "\(rows) rows"
            case .seconds(let seconds): return "\(ReportTable.f(seconds)) s"
            }
        }
    }

    package var targets: [any PushTarget]
    package var source: PushRowSource
    /// Connections per target; the in-flight batches are spread over them.
    package var connections: Int
    /// Batches awaiting acknowledgement per target.
    package var inFlight: Int
    package var amount: Amount
    package var warmupSeconds: Double
    package var rounds: Int
    package var label: String
    package var clock: any BenchmarkClock
    package var progress: ProgressLine

    package init(
        targets: [any PushTarget], source: PushRowSource, connections: Int, inFlight: Int, amount: Amount, warmupSeconds: Double, rounds: Int,
        label: String, clock: any BenchmarkClock = MonotonicClock(), progress: ProgressLine = ProgressLine()
    ) throws(SkewlessError) {
        guard !targets.isEmpty else { throw SkewlessError(.invalidArgument, "no target to push to") }
        guard connections >= 1, inFlight >= 1, rounds >= 1, warmupSeconds >= 0 else {
            throw SkewlessError(.invalidArgument, "connections, batches in flight and rounds must be at least 1, the warm-up not negative")
        }
        switch amount {
        case .rows(let rows) where rows < source.rowsPerBatch * rounds:
            throw SkewlessError(.invalidArgument, "push at least one batch per round: \(source.rowsPerBatch * rounds) rows or more; got \(rows)")
        case .seconds(let seconds) where !(seconds > 0):
            throw SkewlessError(.invalidArgument, "the push must last longer than 0 s")
        default: break
        }
        self.targets = targets
        self.source = source
        self.connections = connections
        self.inFlight = inFlight
        self.amount = amount
        self.warmupSeconds = warmupSeconds
        self.rounds = rounds
        self.label = label
        self.clock = clock
        self.progress = progress
    }

    /// Batches in round `round`'s share of `.rows`: whole batches, the remainder spread over
    /// the first rounds (rows are rounded up to whole batches).
    package static func batches(ofRound round: Int, rows: Int, rowsPerBatch: Int, rounds: Int) -> Int {
        let total = (rows + rowsPerBatch - 1) / rowsPerBatch
        return total / rounds + (round < total % rounds ? 1 : 0)
    }

    /// The first batch number of a slice: rounds far apart, the warm-up beyond them, so no
    /// two slices send the same rows and every target's slice r the same ones.
    static func firstBatch(ofRound round: Int) -> Int { round * 100_000_000 }
    static let warmupFirstBatch = 1_000_000_000

    /// The measured result of each target, in the order of `targets`.
    package func run() async throws(SkewlessError) -> [PushTargetRun] {
        var open: [[any PushConnection]] = []
        do {
            for target in targets {
                var list: [any PushConnection] = []
                for _ in 0..<connections { list.append(try await target.connect()) }
                open.append(list)
            }
            let results = try await measure(open)
            for list in open { for connection in list { await connection.close() } }
            return results
        } catch {
            for list in open { for connection in list { await connection.close() } }
            throw error
        }
    }

    private func measure(_ connections: [[any PushConnection]]) async throws(SkewlessError) -> [PushTargetRun] {
        let counter = ProgressCounter()
        let driver = PushDriver(clock: clock, progress: counter)
        if warmupSeconds > 0 {
            for (index, target) in targets.enumerated() {
                _ = try await progress.track("\(label) \(target.name) warm-up", seconds: warmupSeconds, counter: counter) { () async throws(SkewlessError) in
                    try await driver.push(
                        connections: connections[index], source: source, inFlight: inFlight,
                        amount: .nanoseconds(ComparisonRunner.nanoseconds(warmupSeconds)), firstBatch: Self.warmupFirstBatch)
                }
            }
        }
        var results = [PushResult](repeating: PushResult(), count: targets.count)
        for round in 0..<rounds {
            let order = round % 2 == 0 ? Array(targets.indices) : targets.indices.reversed()
            let share: PushDriver.Amount
            let seconds: Double
            switch amount {
            case .rows(let rows):
                share = .batches(Self.batches(ofRound: round, rows: rows, rowsPerBatch: source.rowsPerBatch, rounds: rounds))
                seconds = 0
            case .seconds(let total):
                seconds = total / Double(rounds)
                share = .nanoseconds(ComparisonRunner.nanoseconds(seconds))
            }
            for index in order {
                let title = "\(label) \(targets[index].name) round \(round + 1)/\(rounds)"
                let slice = try await progress.track(title, seconds: seconds, counter: counter) { () async throws(SkewlessError) in
                    try await driver.push(
                        connections: connections[index], source: source, inFlight: inFlight, amount: share, firstBatch: Self.firstBatch(ofRound: round))
                }
                results[index].append(slice)
            }
        }
        return zip(targets, results).map { PushTargetRun(target: $0.name, result: $1) }
    }
}

/// The measured result of one target in one push comparison.
package struct PushTargetRun: Sendable {
    package var target: String
    package var result: PushResult

    package init(target: String, result: PushResult) {
        self.target = target
        self.result = result
    }
}
