import SkewlessModel
/// Runs one workload under one load model against several targets, alternately: after a
/// warm-up of each, the measured time is cut into rounds and every round runs each target
/// once (the order flips every round), so drift on a shared machine falls on all targets
/// alike. Within a round every target gets the same key streams.
package struct ComparisonRunner: Sendable {
    package var targets: [any BenchmarkTarget]
    package var workload: Workload
    package var model: LoadModel
    package var warmupSeconds: Double
    /// Measured seconds per target, over all rounds.
    package var durationSeconds: Double
    package var rounds: Int
    package var label: String
    package var clock: any BenchmarkClock
    package var progress: ProgressLine

    package init(
        targets: [any BenchmarkTarget], workload: Workload, model: LoadModel, warmupSeconds: Double, durationSeconds: Double, rounds: Int,
        label: String, clock: any BenchmarkClock = MonotonicClock(), progress: ProgressLine = ProgressLine()
    ) throws(SkewlessError) {
        guard !targets.isEmpty else { throw SkewlessError(.invalidArgument, "no target to run against") }
        guard durationSeconds > 0, warmupSeconds >= 0, rounds >= 1 else {
            throw SkewlessError(.invalidArgument, "the duration must be positive, the warm-up not negative and rounds at least 1")
        }
        guard model.connections >= 1, model.inFlight >= 1 else {
            throw SkewlessError(.invalidArgument, "connections and requests in flight must be at least 1")
        }
        self.targets = targets
        self.workload = workload
        self.model = model
        self.warmupSeconds = warmupSeconds
        self.durationSeconds = durationSeconds
        self.rounds = rounds
        self.label = label
        self.clock = clock
        self.progress = progress
    }

    /// The measured result of each target, in the order of `targets`.
    package func run() async throws(SkewlessError) -> [TargetRun] {
        var connections: [[any TargetConnection]] = []
        do {
            for target in targets {
                var list: [any TargetConnection] = []
                for _ in 0..<model.connections {
                    list.append(try await target.connect())
                }
                connections.append(list)
            }
            let results = try await measure(connections)
            for list in connections { for connection in list { await connection.close() } }
            return results
        } catch {
            for list in connections { for connection in list { await connection.close() } }
            throw error
        }
    }

    private func measure(_ connections: [[any TargetConnection]]) async throws(SkewlessError) -> [TargetRun] {
        let counter = ProgressCounter()
        let driver = LoadDriver(clock: clock, progress: counter)
        let workers = model.connections * model.inFlight
        if warmupSeconds > 0 {
            for (index, target) in targets.enumerated() {
                _ = try await progress.track("\(label) \(target.name) warm-up", seconds: warmupSeconds, counter: counter) { () async throws(SkewlessError) in
                    try await driver.run(
                        connections: connections[index], model: model, workload: workload, nanoseconds: Self.nanoseconds(warmupSeconds),
                        firstWorker: 1_000_000)
                }
            }
        }
        var results = [RunResult](repeating: RunResult(), count: targets.count)
        let slice = durationSeconds / Double(rounds)
        for round in 0..<rounds {
            let order = round % 2 == 0 ? Array(targets.indices) : targets.indices.reversed()
            for index in order {
                let title = "\(label) \(targets[index].name) round \(round + 1)/\(rounds)"
                let result = try await progress.track(title, seconds: slice, counter: counter) { () async throws(SkewlessError) in
                    try await driver.run(
                        connections: connections[index], model: model, workload: workload, nanoseconds: Self.nanoseconds(slice),
                        firstWorker: round * workers)
                }
                results[index].append(result)
            }
        }
        return zip(targets, results).map { TargetRun(target: $0.name, result: $1) }
    }

    static func nanoseconds(_ seconds: Double) -> UInt64 {
        UInt64(max(0, seconds) * 1e9)
    }
}

/// The measured result of one target in one comparison.
package struct TargetRun: Sendable {
    package var target: String
    package var result: RunResult

    package init(target: String, result: RunResult) {
        self.target = target
        self.result = result
    }
}
