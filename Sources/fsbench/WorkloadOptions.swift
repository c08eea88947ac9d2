import ArgumentParser
import Skewless
import SkewlessCommandLine
import SkewlessBenchmark
import SkewlessTLS

/// The options every measuring subcommand shares: where, what, which keys, which baseline.
struct WorkloadOptions: ParsableArguments {
    @Option(help: "The node, host:port; or a cluster's seed nodes, comma-separated (requests are routed by the SDK's cluster client).")
    var node: String = "127.0.0.1:7421"

    @OptionGroup var security: SecurityOptions

    @Option(name: .customLong("tls-node"), help: ArgumentHelp("Also measure this node, which serves TLS, reached with the --tls-* options, as target skewless-tls (load it with the same data); --node is then reached over plain TCP: the cost of TLS side by side.", valueName: "host:port"))
    var tlsNode: String?

    @Option(name: .customLong("redis-tls-cert"), help: ArgumentHelp("With --baseline redis: the Redis fsbench starts also serves TLS with this certificate (and --redis-tls-key, signed by --tls-ca), measured as target redis-tls.", valueName: "file"))
    var redisTLSCert: String?

    @Option(name: .customLong("redis-tls-key"), help: ArgumentHelp("The key of --redis-tls-cert.", valueName: "file"))
    var redisTLSKey: String?

    @Option(help: "A feature service to fetch.")
    var service: String?

    @Option(help: "Or a comma-separated feature list (view:field,...).")
    var features: String?

    @Option(name: [.customLong("entities"), .customLong("batch")], help: "Entities per request.")
    var entities: Int = 1

    @Option(help: "Entity ids 1...key-space are loaded and requested.")
    var keySpace: Int = 100_000

    @Option(help: "Key distribution: uniform, zipfian (skew 0.99) or zipfian:SKEW.")
    var keys: String = "uniform"

    @Option(help: "Share of requested ids that were never loaded (0...1).")
    var missShare: Double = 0

    @Option(help: "Seed of keys and loaded values.")
    var seed: UInt64 = 42

    @Option(help: "Per-request deadline in milliseconds.")
    var timeoutMs: Int = 1000

    @Option(help: "Run a baseline side by side: redis, or service:NAME (the same node, another feature service of the same features, such as one without a log_sample_rate).")
    var baseline: String?

    @Option(help: "Use this Redis (host:port) for the baseline instead of starting redis-server.")
    var redis: String?

    @Option(help: "The redis-server to start for the baseline.")
    var redisServer: String = "redis-server"

    @Flag(help: "Load entities 1...key-space into the node first (the baseline is always loaded).")
    var load = false

    @Option(help: "Share of zeros in loaded embeddings (0: dense).")
    var sparsity: Double = 0

    @Option(help: "The node's process id: report its RSS growth per entity over --load.")
    var nodePID: Int32?

    @Option(help: "Write <label>.json, .txt, -<target>.hgrm and .svg into this folder.")
    var output: String?

    @Option(help: "A name for this run in outputs.")
    var label: String?

    func sessionOptions() throws -> BenchmarkSession.Options {
        let endpoints = node.split(separator: ",").map { Endpoint(String($0)) }
        guard !endpoints.isEmpty, endpoints.allSatisfy({ $0 != nil }) else { throw ValidationError("--node must be host:port, or several separated by commas") }
        let selection: RequestShape.Selection
        switch (service, features) {
        case (let service?, nil): selection = .service(service)
        case (nil, let features?): selection = .features(features.split(separator: ",").map(String.init))
        default: throw ValidationError("give exactly one of --service or --features")
        }
        let baselineService = baseline.flatMap { $0.hasPrefix("service:") ? String($0.dropFirst("service:".count)) : nil }
        guard baseline == nil || baseline == "redis" || baselineService?.isEmpty == false else {
            throw ValidationError("--baseline is redis or service:NAME")
        }
        guard timeoutMs > 0 else { throw ValidationError("--timeout-ms must be positive") }
        var options = BenchmarkSession.Options(nodes: endpoints.compactMap { $0 }, selection: selection)
        options.entitiesPerRequest = entities
        options.keySpace = keySpace
        options.distribution = try KeyDistribution(parsing: keys)
        options.missShare = missShare
        options.seed = seed
        options.timeout = .milliseconds(timeoutMs)
        options.baseline = baseline == "redis"
        options.baselineService = baselineService
        options.redisAddress = redis
        options.redisExecutable = redisServer
        options.loadNode = load
        options.sparsity = sparsity
        options.security = try security.security()
        if let tlsNode {
            guard let endpoint = Endpoint(tlsNode) else { throw ValidationError("--tls-node must be host:port") }
            options.tlsNode = endpoint
            options.tlsNodeSecurity = options.security
            options.security = .none
        }
        switch (redisTLSCert, redisTLSKey) {
        case (let cert?, let key?):
            guard let ca = security.tlsCA else { throw ValidationError("--redis-tls-cert needs --tls-ca, the CA that signed it") }
            options.redisTLS = TLSFiles(certificateChain: cert, privateKey: key, trustRoots: ca)
        case (nil, nil):
            break
        default:
            throw ValidationError("--redis-tls-cert and --redis-tls-key go together")
        }
        options.nodePID = nodePID
        return options
    }

    /// Prints the table and writes the files of a report.
    func publish(_ report: BenchmarkReport, runs: [TargetRun]) throws {
        print(ReportTable.text(report))
        if let output {
            try BenchmarkOutput.write(report, runs: runs, to: output)
        }
    }
}

extension CommandLine {
    /// The command line as typed, for reports.
    static var joined: String {
        (["fsbench"] + arguments.dropFirst()).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}
