import ArgumentParser

/// `fsbench`: latency and throughput of the Skewless serving path, with Redis side by side.
struct FSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsbench",
        abstract: "Measure P50/P99/P99.9 latency and throughput of a Skewless node, with Redis side by side.",
        subcommands: [RunCommand.self, SweepCommand.self, LoadCommand.self, PushCommand.self, FreshnessCommand.self, MixedCommand.self, ReportCommand.self, EmbeddingCommand.self, FloorCommand.self, FloodCommand.self],
        defaultSubcommand: RunCommand.self)
}
