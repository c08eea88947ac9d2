import SkewlessModel

/// Reads measured idle and while a paced write stream goes into another view of the same
/// store, for several targets. Each target's reads (`LoadDriver`) run once with nothing
/// else going on and once while its own stream (`PushDriver.stream`) writes at the pace;
/// the stream starts `settleSeconds` before the measured reads and stops after them.
///
/// As in `ComparisonRunner`, after an unmeasured warm-up of each target the measured time
/// is cut into rounds: every round measures each target (the order flips every round) in
/// both phases (whose order flips too), with the same keys in both phases, so drift on a
/// shared machine falls on idle and loaded alike.
package struct MixedComparison: Sendable {
    /// The stores' read side, in order.
    package var readTargets: [any BenchmarkTarget]
    /// The same stores' write side, in the same order.
    package var pushTargets: [any PushTarget]
    package var workload: Workload
    package var model: LoadModel
    package var source: PushRowSource
    package var pace: StreamPace
    /// Stream batches outstanding at most.
    package var streamInFlight: Int
    package var warmupSeconds: Double
    /// Measured seconds per target and phase, over all rounds.
    package var durationSeconds: Double
    package var rounds: Int
    /// How long the stream runs before the loaded slice's reads start.
    package var settleSeconds: Double
    package var label: String
    package var clock: any BenchmarkClock
    package var progress: ProgressLine

    package init(
        readTargets: [any BenchmarkTarget], pushTargets: [any PushTarget], workload: Workload, model: LoadModel, source: PushRowSource, pace: StreamPace,
        streamInFlight: Int, warmupSeconds: Double, durationSeconds: Double, rounds: Int, settleSeconds: Double = 0.5, label: String,
        clock: any BenchmarkClock = MonotonicClock(), progress: ProgressLine = ProgressLine()
    ) throws(SkewlessError) {
        guard !readTargets.isEmpty, readTargets.map(\.name) == pushTargets.map(\.name) else {
            throw SkewlessError(.invalidArgument, "every target needs a read side and a write side, in the same order")
        }
        guard durationSeconds > 0, warmupSeconds >= 0, settleSeconds >= 0, rounds >= 1, streamInFlight >= 1 else {
            throw SkewlessError(.invalidArgument, "the duration must be positive, the warm-up and settle time not negative, rounds and stream batches in flight at least 1")
        }
        guard model.connections >= 1, model.inFlight >= 1 else {
            throw SkewlessError(.invalidArgument, "connections and requests in flight must be at least 1")
        }
        guard pace.batchRows == source.rowsPerBatch else {
            throw SkewlessError(.invalidArgument, "the stream's pace is for batches of \(pace.batchRows) rows, its rows come in \(source.rowsPerBatch)")
        }
        self.readTargets = readTargets
        self.pushTargets = pushTargets
        self.workload = workload
        self.model = model
        self.source = source
        self.pace = pace
        self.streamInFlight = streamInFlight
        self.warmupSeconds = warmupSeconds
        self.durationSeconds = durationSeconds
        self.rounds = rounds
        self.settleSeconds = settleSeconds
        self.label = label
        self.clock = clock
        self.progress = progress
    }

    /// The measured results of each target, in the order of `readTargets`.
    package func run() async throws(SkewlessError) -> [MixedTargetRun] {
        var reads: [[any TargetConnection]] = []
        var pushes: [any PushConnection] = []
        do {
            for (read, push) in zip(readTargets, pushTargets) {
                var list: [any TargetConnection] = []
                for _ in 0..<model.connections { list.append(try await read.connect()) }
                reads.append(list)
                pushes.append(try await push.connect())
            }
            let results = try await measure(reads: reads, pushes: pushes)
            await Self.close(reads, pushes)
            return results
        } catch {
            await Self.close(reads, pushes)
            throw error
        }
    }

    private static func close(_ reads: [[any TargetConnection]], _ pushes: [any PushConnection]) async {
        for list in reads { for connection in list { await connection.close() } }
        for connection in pushes { await connection.close() }
    }

    private func measure(reads: [[any TargetConnection]], pushes: [any PushConnection]) async throws(SkewlessError) -> [MixedTargetRun] {
        let counter = ProgressCounter()
        let driver = LoadDriver(clock: clock, progress: counter)
        let pusher = PushDriver(clock: clock)
        let workers = model.connections * model.inFlight
        if warmupSeconds > 0 {
            for (index, target) in readTargets.enumerated() {
                _ = try await progress.track("\(label) \(target.name) warm-up", seconds: warmupSeconds, counter: counter) { () async throws(SkewlessError) in
                    try await driver.run(
                        connections: reads[index], model: model, workload: workload, nanoseconds: ComparisonRunner.nanoseconds(warmupSeconds),
                        firstWorker: 1_000_000)
                }
            }
        }
        var results = [MixedTargetRun](repeating: MixedTargetRun(target: ""), count: readTargets.count)
        for index in readTargets.indices { results[index].target = readTargets[index].name }
        let slice = durationSeconds / Double(rounds)
        for round in 0..<rounds {
            let order = round % 2 == 0 ? Array(readTargets.indices) : readTargets.indices.reversed()
            for index in order {
                let name = readTargets[index].name
                for loaded in (round % 2 == 0 ? [false, true] : [true, false]) {
                    let title = "\(label) \(name) \(loaded ? "under writes" : "idle") round \(round + 1)/\(rounds)"
                    let readSlice: () async throws(SkewlessError) -> RunResult = {
                        try await driver.run(
                            connections: reads[index], model: model, workload: workload, nanoseconds: ComparisonRunner.nanoseconds(slice),
                            firstWorker: round * workers)
                    }
                    if !loaded {
                        results[index].idle.append(try await progress.track(title, seconds: slice, counter: counter, readSlice))
                        continue
                    }
                    let stop = StopSignal()
                    let source = source
                    let pace = pace
                    let streamInFlight = streamInFlight
                    let connection = pushes[index]
                    async let streamed = Self.capture { () async throws(SkewlessError) in
                        try await pusher.stream(
                            connections: [connection], source: source, pace: pace, inFlight: streamInFlight,
                            firstBatch: PushComparison.firstBatch(ofRound: round), until: stop)
                    }
                    await clock.sleep(until: clock.now() + ComparisonRunner.nanoseconds(settleSeconds))
                    let measured = await Self.capture { () async throws(SkewlessError) in
                        try await progress.track(title, seconds: slice, counter: counter, readSlice)
                    }
                    stop.stop(at: clock.now())
                    let pushed = await streamed
                    results[index].loaded.append(try measured.get())
                    results[index].stream.append(try pushed.get())
                }
            }
        }
        return results
    }

    private static func capture<T: Sendable>(_ body: () async throws(SkewlessError) -> T) async -> Result<T, SkewlessError> {
        do throws(SkewlessError) {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}

/// One target's reads idle and under the write stream, and what its stream did.
package struct MixedTargetRun: Sendable {
    package var target: String
    package var idle = RunResult()
    package var loaded = RunResult()
    /// The stream over every loaded slice (settle time included).
    package var stream = PushResult()

    package init(target: String) {
        self.target = target
    }
}
