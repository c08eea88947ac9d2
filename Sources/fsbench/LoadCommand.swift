import ArgumentParser
import Foundation
import Skewless
import SkewlessCommandLine
import SkewlessBenchmark

/// `fsbench load`: writes N synthetic entities of a view into the node (and the baseline),
/// reports the rate and memory per entity.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Write N synthetic entities (ids 1...N) of a view into the node, and into Redis with --baseline redis; report rates and memory.")

    @Option(help: "The node, host:port.")
    var node: String = "127.0.0.1:7421"

    @OptionGroup var security: SecurityOptions

    @Option(help: "The view to fill (name or name@version). Its entity must have one int64 join key.")
    var view: String = "bench_float50"

    @Option(help: "How many entities.")
    var entities: Int = 100_000

    @Option(help: "Write requests in flight.")
    var concurrency: Int = 4

    @Option(help: "Seed of the values (the same as fsbench run's --seed gives the same data).")
    var seed: UInt64 = 42

    @Option(help: "Share of zeros in embeddings (0: dense).")
    var sparsity: Double = 0

    @Option(help: "The node's process id: report its RSS growth per entity.")
    var nodePID: Int32?

    @Option(help: "Also load a baseline: redis (a redis-server fsbench starts, measures and stops, unless --redis).")
    var baseline: String?

    @Option(help: "Load this Redis (host:port) instead of starting one.")
    var redis: String?

    @Option(help: "Write <label>.json and .txt into this folder.")
    var output: String?

    @Option(help: "A name for this load in outputs.")
    var label: String = "load"

    func run() async throws {
        guard let endpoint = Endpoint(node) else { throw ValidationError("--node must be host:port") }
        guard baseline == nil || baseline == "redis" else { throw ValidationError("--baseline knows one baseline: redis") }
        let clientSecurity = try security.security()
        let admin = FeatureClient(configuration: .defaults(endpoint: endpoint) { $0.security = clientSecurity })
        let target: FeatureView
        do {
            target = try await admin.describe().featureView(qualified: view)
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
        var options = BenchmarkSession.Options(nodes: [endpoint], selection: .features(target.fields.map { "\(target.qualifiedName):\($0.name)" }))
        options.keySpace = entities
        options.seed = seed
        options.sparsity = sparsity
        options.loadNode = true
        options.nodePID = nodePID
        options.baseline = baseline == "redis" || redis != nil
        options.redisAddress = redis
        options.loadConcurrency = concurrency
        options.security = clientSecurity
        let session = try await BenchmarkSession.open(options)
        await session.close()
        let report = BenchmarkReport(
            label: label, command: CommandLine.joined, workload: .init(session.workload), loadModel: "load", loads: session.loads, memory: session.memory)
        print(ReportTable.text(report))
        if let output { try BenchmarkOutput.write(report, runs: [], to: output) }
    }
}
