import Foundation
import Skewless

/// `fsbench freshness`: event-to-servable latency. A writer sends one-row writes, each
/// with a value never written before (`FreshnessMarker`), at a modest fixed rate; for each,
/// fsbench polls every replica of the row's partition directly (one single-node client per
/// node, `ReplicaLocator`) from the moment the write is sent until each has served the new
/// value. The latency of a write is the time until the last replica served it.
///
/// Polling starts with the send, not the acknowledgement, so a value served before it is
/// durable would show (`FreshnessResult.visibleBeforeAcknowledgement`). Its resolution is
/// one read plus `pollInterval` over the first 5 ms, coarser after (`PollBackoff`). The writer uses the SDK as a producer would: through the
/// cluster router when given several nodes or a node in a cluster.
package struct FreshnessBenchmark: Sendable {
    package struct Options: Sendable {
        package var nodes: [Endpoint]
        package var view = "bench_float10"
        /// Writes per second.
        package var rate = 200.0
        package var seconds = 10.0
        /// Unmeasured probes at the same rate first (connections, the node's first writes).
        package var warmupSeconds = 1.0
        /// Probe i writes entity firstID + i mod keySpace: far from `fsbench push`'s ids, and
        /// more keys than probes in flight, so two probes never share an entity.
        package var keySpace = 10_000
        package var firstID: Int64 = 2_000_000_000
        /// Pause between two reads of one replica while polling, for the first 5 ms; then
        /// longer (`PollBackoff`).
        package var pollInterval = Duration.microseconds(100)
        /// How long a replica may take to serve a written value before it counts as not visible.
        package var visibilityTimeout = Duration.seconds(1)
        /// Writes being probed at once at most; behind that, writes go out late (`sendDelay`).
        package var maxOutstanding = 256
        /// Per write and per read.
        package var timeout = Duration.seconds(5)
        package var seed: UInt64 = 42
        /// The P99 goal; by default 5 ms on one node, 10 ms in a cluster.
        package var p99GoalMicros: Double?
        package var label = "freshness"
        package var command = ""

        package init(nodes: [Endpoint]) {
            self.nodes = nodes
        }
    }

    package let options: Options
    package let clock: any BenchmarkClock

    package init(_ options: Options, clock: any BenchmarkClock = MonotonicClock()) {
        self.options = options
        self.clock = clock
    }

    package func run(progress: ProgressLine = ProgressLine()) async throws(SkewlessError) -> (FreshnessReport, FreshnessResult) {
        guard let first = options.nodes.first else { throw SkewlessError(.invalidArgument, "give a node to probe (--node HOST:PORT)") }
        guard options.rate > 0, options.seconds > 0, options.warmupSeconds >= 0, options.maxOutstanding >= 1 else {
            throw SkewlessError(.invalidArgument, "the rate, the duration and the writes in flight must be positive, the warm-up not negative")
        }
        guard options.keySpace > options.maxOutstanding, options.keySpace <= FreshnessMarker.capacity else {
            throw SkewlessError(.invalidArgument, "the key space must exceed the writes in flight (\(options.maxOutstanding)) and be at most 2^23; got \(options.keySpace)")
        }
        let locator = try await ReplicaLocator.discover(from: first)
        let configure: (inout FeatureClient.Configuration) -> Void = {
            $0.connectionsPerNode = 1
            $0.timeout = options.timeout
        }
        let writer = FeatureClient(configuration: try options.nodes.count > 1 || locator.isCluster
            ? .cluster(seeds: options.nodes, configure: configure)
            : .defaults(endpoint: first, configure: configure))
        var readers: [Endpoint: FeatureClient] = [:]
        do throws(SkewlessError) {
            let target = try PushView.resolve(options.view, in: try await writer.describe())
            for node in locator.nodes {
                let reader = FeatureClient(configuration: .defaults(endpoint: node, configure: configure))
                readers[node] = reader
                _ = try await reader.health()
            }
            let marker = FreshnessMarker()
            let warmupCount = Int(options.rate * options.warmupSeconds)
            let measuredCount = max(1, Int(options.rate * options.seconds))
            let context = Context(
                options: options, clock: clock, view: target, locator: locator, writer: writer, readers: readers, marker: marker,
                feature: "\(target.qualifiedName):\(target.fields[0])")
            let counter = ProgressCounter()
            if warmupCount > 0 {
                _ = try await progress.track("\(options.label) warm-up", seconds: options.warmupSeconds, counter: counter) { () async throws(SkewlessError) in
                    await context.probe(count: warmupCount, firstProbe: 0, counter: counter)
                }
            }
            let result = try await progress.track(
                "\(options.label) \(measuredCount) writes at \(Int(options.rate))/s", seconds: options.seconds, counter: counter
            ) { () async throws(SkewlessError) in
                await context.probe(count: measuredCount, firstProbe: warmupCount, counter: counter)
            }
            await Self.close(writer: writer, readers: readers)
            let goal = options.p99GoalMicros ?? (locator.nodes.count > 1 ? 10_000 : 5_000)
            let report = FreshnessReport(
                label: options.label, command: options.command, view: target.qualifiedName, placement: locator.description,
                replicationFactor: locator.replicationFactor, rate: options.rate, seconds: options.seconds,
                pollIntervalMicros: Double(options.pollInterval.benchmarkNanoseconds) / 1000, result: result, goalP99Micros: goal)
            return (report, result)
        } catch {
            await Self.close(writer: writer, readers: readers)
            throw error
        }
    }

    private static func close(writer: FeatureClient, readers: [Endpoint: FeatureClient]) async {
        await writer.close()
        for reader in readers.values { await reader.close() }
    }

    /// What every probe of a run shares.
    private struct Context: Sendable {
        let options: Options
        let clock: any BenchmarkClock
        let view: PushView
        let locator: ReplicaLocator
        let writer: FeatureClient
        let readers: [Endpoint: FeatureClient]
        let marker: FreshnessMarker
        /// "bench_float10@1:f00", the field that carries the marker.
        let feature: String

        /// `count` probes at the rate from now on, numbered from `firstProbe`.
        ///
        /// One loop sleeps until each probe is due and starts it as a child task, waiting
        /// first for one to finish when `maxOutstanding` are running. (Starting hundreds of
        /// workers at once that each wait for their turn instead made the first probes of a
        /// phase go out 100-200 ms late on this 2-core machine: every worker's start queued
        /// on the same two threads ahead of the first sends.)
        func probe(count: Int, firstProbe: Int, counter: ProgressCounter) async -> FreshnessResult {
            let start = clock.now()
            guard let schedule = try? OpenLoopSchedule(start: start, rate: options.rate) else { return FreshnessResult() }
            var total = await withTaskGroup(of: FreshnessResult.Probe.self) { group in
                var total = FreshnessResult()
                func record(_ probe: FreshnessResult.Probe) {
                    counter.record(probe.writeError == nil && probe.visibleEverywhere != nil ? .success : .failure("not served everywhere"))
                    total.record(probe)
                }
                var running = 0
                for ticket in 0..<count {
                    let due = schedule.intendedStart(of: ticket)
                    await clock.sleep(until: due)
                    while running >= options.maxOutstanding, let done = await group.next() {
                        record(done)
                        running -= 1
                    }
                    group.addTask { await self.probe(firstProbe + ticket, due: due) }
                    running += 1
                }
                for await done in group { record(done) }
                return total
            }
            total.elapsedSeconds = Double(clock.now() - start) / 1e9
            return total
        }

        private enum Event: Sendable {
            case acknowledged(UInt64?, durable: Bool, error: String?)
            case served(UInt64?, reads: Int, errors: Int, firstError: String?)
        }

        /// One write and its read-back from every replica.
        func probe(_ index: Int, due: UInt64) async -> FreshnessResult.Probe {
            let id = options.firstID + Int64(index % options.keySpace)
            let expected = marker.value(of: index)
            var values: [String: FeatureValue?] = [:]
            var rng = SplitMix64(seed: options.seed ^ UInt64(index))
            for (position, name) in view.fields.enumerated() {
                values[name] = .float(position == 0 ? expected : PushRowSource.unitFloat(rng.next()))
            }
            let row = FeatureWrite(entity: [view.joinKey: .int64(id)], eventTime: WallClock.nowMicros(), values: values)
            let key = try? IdempotencyKey("fsbench-fresh-\(String(marker.nonce, radix: 16))-\(index)")
            let replicas = locator.replicas(ofInt64: id).compactMap { readers[$0] }
            let sent = clock.now()
            let deadline = sent + options.visibilityTimeout.benchmarkNanoseconds
            return await withTaskGroup(of: Event.self) { group in
                group.addTask {
                    do {
                        let summary = try await writer.write(view: view.qualifiedName, rows: [row], idempotencyKey: key, timeout: options.timeout)
                        let elapsed = clock.now() - sent
                        if summary.rowsWritten != 1 {
                            return .acknowledged(elapsed, durable: false, error: "the node kept a newer row of entity \(id) instead of the written one")
                        }
                        return .acknowledged(elapsed, durable: summary.acceptedTime > 0, error: nil)
                    } catch {
                        return .acknowledged(nil, durable: false, error: "\(error)")
                    }
                }
                for reader in replicas {
                    group.addTask { await poll(reader, id: id, expected: expected, sent: sent, deadline: deadline) }
                }
                var probe = FreshnessResult.Probe(
                    sendDelay: sent > due ? sent - due : 0, acknowledged: nil, visibleEverywhere: nil, visibleSomewhere: nil, reads: 0, readErrors: 0)
                var served: [UInt64] = []
                var allServed = !replicas.isEmpty
                for await event in group {
                    switch event {
                    case .acknowledged(let elapsed, let durable, let error):
                        probe.acknowledged = elapsed
                        probe.durable = durable
                        probe.writeError = error
                        if error != nil { group.cancelAll() }
                    case .served(let elapsed, let reads, let errors, let firstError):
                        probe.reads += reads
                        probe.readErrors += errors
                        probe.firstReadError = probe.firstReadError ?? firstError
                        if let elapsed { served.append(elapsed) } else { allServed = false }
                    }
                }
                if replicas.isEmpty { probe.firstReadError = "the cluster map names no replica for entity \(id)" }
                probe.visibleSomewhere = served.min()
                probe.visibleEverywhere = allServed ? served.max() : nil
                return probe
            }
        }

        /// Reads `feature` of entity `id` from one replica until it is `expected`.
        private func poll(_ reader: FeatureClient, id: Int64, expected: Float, sent: UInt64, deadline: UInt64) async -> Event {
            var reads = 0
            var errors = 0
            var firstError: String?
            let entity = [[view.joinKey: KeyPart.int64(id)]]
            let backoff = PollBackoff(base: options.pollInterval.benchmarkNanoseconds)
            while !Task.isCancelled {
                reads += 1
                do {
                    let features = try await reader.getOnlineFeatures(features: [feature], entities: entity, timeout: options.timeout)
                    if features.count == 1, features[0].float(at: 0) == expected {
                        return .served(clock.now() - sent, reads: reads, errors: errors, firstError: firstError)
                    }
                } catch {
                    errors += 1
                    if firstError == nil { firstError = "reading \(feature) of \(id) from \(reader.configuration.endpoint): \(error)" }
                }
                let now = clock.now()
                if now >= deadline { break }
                await clock.sleep(until: now + backoff.pause(after: now - sent))
            }
            return .served(nil, reads: reads, errors: errors, firstError: firstError)
        }
    }
}
