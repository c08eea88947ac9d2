import Skewless

/// `fsbench push`: push throughput of one node (or a cluster) through the SDK's `write`,
/// with the Redis baseline side by side in the same run, taking the same rows as pipelined
/// HSET with its append-only file fsynced before every reply (`appendfsync always`).
/// Resolves the view from the node's definitions, starts Redis (or uses the given one),
/// alternates the targets (`PushComparison`) and stops what it started, also on failure.
package struct PushBenchmark: Sendable {
    package struct Options: Sendable {
        package var nodes: [Endpoint]
        package var view = "bench_float10"
        package var rowsPerBatch = 10_000
        package var inFlight = 4
        package var connections = 1
        package var amount = PushComparison.Amount.seconds(10)
        package var warmupSeconds = 2.0
        package var rounds = 2
        package var keySpace = 1_000_000
        package var seed: UInt64 = 42
        /// Per batch.
        package var timeout = Duration.seconds(30)
        /// Push the same rows into Redis side by side.
        package var baseline = false
        /// Use this Redis ("host:port") instead of starting one.
        package var redisAddress: String?
        package var redisExecutable = "redis-server"
        /// Where a Redis fsbench starts keeps its append-only file; the temporary directory when nil.
        package var redisDirectory: String?
        package var label = "push"
        package var command = ""

        package init(nodes: [Endpoint]) {
            self.nodes = nodes
        }
    }

    package let options: Options

    package init(_ options: Options) {
        self.options = options
    }

    package func run(progress: ProgressLine = ProgressLine()) async throws(SkewlessError) -> (PushReport, [PushTargetRun]) {
        guard let first = options.nodes.first else { throw SkewlessError(.invalidArgument, "give a node to push to (--node HOST:PORT)") }
        let admin = FeatureClient(configuration: try options.nodes.count > 1
            ? .cluster(seeds: options.nodes) { $0.timeout = .seconds(10) }
            : .defaults(endpoint: first) { $0.timeout = .seconds(10) })
        let target: PushView
        do {
            target = try PushView.resolve(options.view, in: try await admin.describe())
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
        let source = try PushRowSource(rowsPerBatch: options.rowsPerBatch, fieldCount: target.fields.count, keySpace: options.keySpace, seed: options.seed)
        var redis: RedisBaseline?
        do throws(SkewlessError) {
            var targets: [any PushTarget] = [
                try SkewlessPushTarget(endpoints: options.nodes, view: target.qualifiedName, joinKey: target.joinKey, fields: target.fields, timeout: options.timeout)
            ]
            var persistence: String?
            if options.baseline || options.redisAddress != nil {
                let baseline: RedisBaseline
                if let address = options.redisAddress {
                    baseline = try RedisBaseline.existing(address)
                } else {
                    baseline = try await RedisBaseline.start(
                        executable: options.redisExecutable, persistence: .appendFsyncAlways, parentDirectory: options.redisDirectory)
                }
                redis = baseline
                persistence = try await baseline.persistence()
                targets.append(RedisPushTarget(
                    host: baseline.host, port: baseline.port, keyPrefix: target.redisKeyPrefix, fields: target.fields, timeout: options.timeout))
            }
            let comparison = try PushComparison(
                targets: targets, source: source, connections: options.connections, inFlight: options.inFlight, amount: options.amount,
                warmupSeconds: options.warmupSeconds, rounds: options.rounds, label: options.label, progress: progress)
            let runs = try await comparison.run()
            await redis?.stop()
            let report = PushReport(
                label: options.label, command: options.command, view: target.qualifiedName, source: source, connections: options.connections,
                inFlight: options.inFlight, amount: options.amount, rounds: options.rounds, warmupSeconds: options.warmupSeconds,
                targets: runs.map { PushReport.Target($0, persistence: $0.target == "redis" ? persistence : nil) })
            return (report, runs)
        } catch {
            await redis?.stop()
            throw error
        }
    }
}
