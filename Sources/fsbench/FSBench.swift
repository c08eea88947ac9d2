import ArgumentParser

/// `fsbench`: latency and throughput of the Skewless serving path.
struct FSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsbench",
        abstract: "Measure P50/P99/P99.9 latency and throughput of a Skewless node.",
        subcommands: [RunCommand.self, LoadCommand.self, EmbeddingCommand.self],
        defaultSubcommand: RunCommand.self)
}
