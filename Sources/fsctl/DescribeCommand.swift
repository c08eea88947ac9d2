import ArgumentParser
import Skewless
import SkewlessIngest
import SkewlessRepo

/// `fsctl describe`: the definitions of a repo, or of the repo a node serves.
struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show entities, feature views (fields, types, defaults, TTL, staleness policy) and feature services.",
        discussion: """
            Reads the repo at --repo (default examples/feature_repo), or asks the node at --node. Give a name to show one entity, view (every version, or name@version) or service in full.
            """)

    @Argument(help: "An entity, feature view (name or name@version) or feature service to show alone.")
    var name: String?

    @Option(help: "A feature repo: a directory of YAML files, or one file.")
    var repo: String?

    @Option(help: "Describe what this node serves (host:port) instead of a repo on disk.")
    var node: String?

    @Option(name: .customLong("timeout-ms"), help: "With --node: the deadline in milliseconds.")
    var timeoutMilliseconds: Int = 1_000

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if repo != nil, node != nil {
            throw ValidationError("give --repo or --node, not both")
        }
        if let node, Endpoint(node) == nil {
            throw ValidationError("--node '\(node)' is not host:port (e.g. 127.0.0.1:7421)")
        }
    }

    func run() async throws {
        try await CommandFailure.reporting(node: node) {
            let described: FeatureRepo
            if let node {
                var options = NodeOptions()
                options.node = node
                options.timeoutMilliseconds = timeoutMilliseconds
                described = try await options.withClient(defaultTimeoutMilliseconds: timeoutMilliseconds) { client in
                    try await client.describe()
                }
            } else {
                described = try FeatureRepoLoader.load(path: repo ?? "examples/feature_repo")
            }
            guard let selection = RepoPrinter.select(name, in: described) else {
                let hint = NameSuggestion.hint(for: name ?? "", among: RepoPrinter.allNames(in: described))
                throw CommandFailure("no entity, feature view or feature service is named '\(name ?? "")'\(hint)", exitCode: CommandFailure.rejectedInput)
            }
            print(json ? RepoPrinter.json(selection, repo: described).serialized() : RepoPrinter.text(selection, repo: described))
        }
    }
}
