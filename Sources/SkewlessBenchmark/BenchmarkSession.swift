import Foundation
import Skewless
import SkewlessTLS

/// One fsbench invocation against a node and, optionally, the Redis baseline: resolves the
/// request shape from the node's definitions, starts or attaches Redis, loads synthetic
/// entities 1...keySpace (into the node when asked, always into a baseline), measures memory
/// per entity over the load, then runs comparisons or sweeps with the same workload on
/// every target.
package final class BenchmarkSession: Sendable {
    package struct Options: Sendable {
        package var nodes: [Endpoint]
        package var selection: RequestShape.Selection
        package var entitiesPerRequest = 1
        package var keySpace = 100_000
        package var distribution = KeyDistribution.uniform
        package var missShare = 0.0
        package var seed: UInt64 = 42
        package var timeout = Duration.seconds(1)
        /// Run Redis side by side.
        package var baseline = false
        /// Run the same nodes side by side under this feature service, which must read the
        /// same features (one that logs its reads against one that does not, say).
        package var baselineService: String?
        /// Use this Redis ("host:port") instead of starting one.
        package var redisAddress: String?
        package var redisExecutable = "redis-server"
        /// What a Redis fsbench starts keeps on disk.
        package var redisPersistence = RedisServerProcess.Persistence.none
        /// Where a Redis fsbench starts keeps its files; the temporary directory when nil.
        package var redisDirectory: String?
        /// Load the key space into the node first (a baseline is always loaded).
        package var loadNode = false
        /// Share of zeros in loaded embeddings.
        package var sparsity = 0.0
        /// The node's pid, to read its RSS around the load.
        package var nodePID: Int32?
        package var loadConcurrency = 4
        /// TLS and the bearer token of the node's connections.
        package var security = FeatureClient.Security.none
        /// Another node (loaded with the same data) measured in the same run, as target
        /// "skewless-tls", with `tlsNodeSecurity`: the cost of TLS side by side.
        package var tlsNode: Endpoint?
        package var tlsNodeSecurity = FeatureClient.Security.none
        /// The Redis fsbench starts also serves TLS with these files (certificate, key, CA),
        /// measured as target "redis-tls".
        package var redisTLS: TLSFiles?

        package init(nodes: [Endpoint], selection: RequestShape.Selection) {
            self.nodes = nodes
            self.selection = selection
        }
    }

    package let options: Options
    package let workload: Workload
    package let targets: [any BenchmarkTarget]
    package let loads: [SyntheticLoader.Report]
    package let memory: BenchmarkReport.Memory?
    private let redis: RedisBaseline?

    private init(
        options: Options, workload: Workload, targets: [any BenchmarkTarget], loads: [SyntheticLoader.Report], memory: BenchmarkReport.Memory?,
        redis: RedisBaseline?
    ) {
        self.options = options
        self.workload = workload
        self.targets = targets
        self.loads = loads
        self.memory = memory
        self.redis = redis
    }

    /// Prepares everything; on failure stops what it started.
    package static func open(_ options: Options, progress: ProgressLine = ProgressLine()) async throws(SkewlessError) -> BenchmarkSession {
        guard let endpoint = options.nodes.first else { throw SkewlessError(.invalidArgument, "give a node to benchmark (--node HOST:PORT)") }
        let configure: (inout FeatureClient.Configuration) -> Void = {
            $0.timeout = .seconds(60)
            $0.security = options.security
        }
        let admin = FeatureClient(configuration: try options.nodes.count > 1
            ? .cluster(seeds: options.nodes, configure: configure)
            : .defaults(endpoint: endpoint, configure: configure))
        var redis: RedisBaseline?
        do throws(SkewlessError) {
            let repo = try await admin.describe()
            let shape = try RequestShape.resolve(options.selection, in: repo)
            let workload = try Workload(
                shape: shape, entitiesPerRequest: options.entitiesPerRequest, keySpace: options.keySpace, distribution: options.distribution,
                missShare: options.missShare, seed: options.seed)
            var targets: [any BenchmarkTarget] = [try SkewlessTarget(endpoints: options.nodes, shape: shape, timeout: options.timeout, security: options.security)]
            if let other = options.baselineService {
                let otherShape = try RequestShape.resolve(.service(other), in: repo)
                guard otherShape.groups == shape.groups else {
                    throw SkewlessError(.invalidArgument, "the baseline service \(other) reads other features than \(options.selection): compare services of the same features")
                }
                targets.append(try SkewlessTarget(endpoints: options.nodes, shape: otherShape, timeout: options.timeout, security: options.security, name: "skewless:\(other)"))
            }
            if options.baseline {
                if let address = options.redisAddress {
                    redis = try RedisBaseline.existing(address)
                } else {
                    redis = try await RedisBaseline.start(
                        executable: options.redisExecutable, persistence: options.redisPersistence, parentDirectory: options.redisDirectory,
                        tls: options.redisTLS)
                }
            }
            if let tlsNode = options.tlsNode {
                targets.append(try SkewlessTarget(
                    endpoints: [tlsNode], shape: shape, timeout: options.timeout, security: options.tlsNodeSecurity, name: "skewless-tls"))
            }
            if let redis {
                targets.append(redis.target(shape: shape, timeout: options.timeout))
                if let tlsTarget = redis.tlsTarget(shape: shape, timeout: options.timeout) { targets.append(tlsTarget) }
            }
            var loads: [SyntheticLoader.Report] = []
            var nodeGrowth = 0
            var redisGrowth = 0
            var redisRSSGrowth = 0
            for group in shape.groups {
                let loader = try SyntheticLoader(
                    view: group.view, joinKey: shape.joinKey, entities: options.keySpace, seed: options.seed, sparsity: options.sparsity,
                    batchSize: max(1, min(1000, 4_000_000 / max(1, Self.approximateBytes(of: group.view)))), concurrency: options.loadConcurrency)
                if options.loadNode {
                    let before = options.nodePID.flatMap(ResidentMemory.bytes(pid:))
                    progress.note("loading \(options.keySpace) entities of \(group.view.qualifiedName) into the node")
                    loads.append(try await loader.load(into: admin))
                    if let before, let after = options.nodePID.flatMap(ResidentMemory.bytes(pid:)) { nodeGrowth += after - before }
                }
                if let redis {
                    let before = try await redis.memory()
                    var connections: [RESPConnection] = []
                    for _ in 0..<options.loadConcurrency { connections.append(try await redis.connect()) }
                    progress.note("loading \(options.keySpace) entities of \(group.view.qualifiedName) into redis")
                    let report = try await loader.load(into: connections)
                    for connection in connections { await connection.close() }
                    loads.append(report)
                    let after = try await redis.memory()
                    redisGrowth += (after.usedMemory ?? 0) - (before.usedMemory ?? 0)
                    redisRSSGrowth += (after.residentMemory ?? 0) - (before.residentMemory ?? 0)
                }
            }
            var memory: BenchmarkReport.Memory?
            let measuredNode = options.loadNode && options.nodePID != nil
            if measuredNode || redis != nil {
                let entities = Double(options.keySpace)
                memory = BenchmarkReport.Memory(
                    entities: options.keySpace, view: shape.groups.map(\.view.qualifiedName).joined(separator: ","),
                    nodeRSSBytesPerEntity: measuredNode ? Double(nodeGrowth) / entities : nil,
                    redisUsedMemoryBytesPerEntity: redis != nil ? Double(redisGrowth) / entities : nil,
                    redisRSSBytesPerEntity: redis != nil ? Double(redisRSSGrowth) / entities : nil)
            }
            await admin.close()
            return BenchmarkSession(options: options, workload: workload, targets: targets, loads: loads, memory: memory, redis: redis)
        } catch {
            await admin.close()
            await redis?.stop()
            throw error
        }
    }

    /// The Redis baseline, when the session runs one.
    package var redisBaseline: RedisBaseline? { redis }

    /// Stops the Redis fsbench started.
    package func close() async {
        await redis?.stop()
    }

    /// Every target under one load model, alternating (see `ComparisonRunner`).
    package func compare(
        label: String, command: String, model: LoadModel, warmupSeconds: Double, durationSeconds: Double, rounds: Int, progress: ProgressLine = ProgressLine()
    ) async throws(SkewlessError) -> (BenchmarkReport, [TargetRun]) {
        let runner = try ComparisonRunner(
            targets: targets, workload: workload, model: model, warmupSeconds: warmupSeconds, durationSeconds: durationSeconds, rounds: rounds,
            label: label, progress: progress)
        let runs = try await runner.run()
        let report = BenchmarkReport(
            label: label, command: command, workload: .init(workload), loadModel: model.description, runs: runs.map(BenchmarkReport.Run.init),
            loads: loads, memory: memory)
        return (report, runs)
    }

    /// A rate sweep of every target: at each rate, a warm-up and a measured step per target.
    package func sweep(
        label: String, command: String, sweep: RateSweep, connections: Int, inFlight: Int, warmupSeconds: Double, stepSeconds: Double,
        progress: ProgressLine = ProgressLine()
    ) async throws(SkewlessError) -> (BenchmarkReport, [TargetRun]) {
        var lastWithin = [RunResult?](repeating: nil, count: targets.count)
        let targets = targets
        let workload = workload
        let results = try await sweep.run(targets: targets.map(\.name)) { (index, rate) async throws(SkewlessError) -> RunResult in
            let runner = try ComparisonRunner(
                targets: [targets[index]], workload: workload, model: .open(rate: rate, connections: connections, inFlight: inFlight),
                warmupSeconds: warmupSeconds, durationSeconds: stepSeconds, rounds: 1, label: "\(label) \(Int(rate)) req/s", progress: progress)
            let result = try await runner.run()[0].result
            if sweep.isWithinBound(result, rate: rate) { lastWithin[index] = result }
            return result
        }
        let model = "open-loop rate sweep, \(connections) connection\(connections == 1 ? "" : "s") x up to \(inFlight) in flight, P99 bound \(Double(sweep.p99BoundNanoseconds) / 1000) us"
        let report = BenchmarkReport(
            label: label, command: command, workload: .init(workload), loadModel: model, loads: loads, memory: memory, sweep: results)
        // The plot shows each target at its highest sustainable rate.
        let runs = zip(targets, lastWithin).compactMap { target, result in result.map { TargetRun(target: "\(target.name) at sustainable rate", result: $0) } }
        return (report, runs)
    }

    /// Bytes of one row of a view, roughly, to size load batches.
    static func approximateBytes(of view: FeatureView) -> Int {
        view.fields.reduce(0) { total, field in
            if case .embedding(let dimension) = field.type.storage { return total + dimension * 4 }
            return total + 16
        }
    }
}
