import ArgumentParser
import Foundation
import SkewlessIngest
import SkewlessModel
import SkewlessMonitoring
import SkewlessOfflineStore
import SkewlessRepo

/// `fsctl served-log`: what the nodes served for sampled reads (docs/served-log.md), read
/// from the offline store's served-feature log.
struct ServedLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "served-log",
        abstract: "Print the features the nodes served for sampled reads, from the offline store's served-feature log.",
        discussion: """
            A feature service with a log_sample_rate has that share of its reads recorded by every node that served them: the request id, the entity, each feature's value, status and event time, when and by which node (and cluster map epoch) it was served. This prints them, one line per served entity row, ordered by serve time: a table, JSON Lines or CSV (one column per key and, per feature, its value, __status and __event_time_micros).

            Times are spelled as fsctl put takes them: RFC 3339 (2026-11-01T00:00:00Z), dates, microseconds since the epoch, now, or now-1h. A file cut short by a crash is read up to the damage, with a warning on standard error.

            Example:
              fsctl served-log --store .skewless/local/segments --service fraud_detection_v1 --last 1h --format jsonl
            """)

    @Option(help: "The offline store's directory (the nodes' --segments).")
    var store: String = HistoricalCommand.defaultStore

    @Option(help: "Only reads of this feature service.")
    var service: String?

    @Option(help: "Only what this node served.")
    var node: String?

    @Option(help: "Served at or after this time.")
    var from: String?

    @Option(help: "Served before this time.")
    var to: String?

    @Option(help: "Served in the last DURATION (15m, 24h, 7d), instead of --from.")
    var last: String?

    @Option(help: "table, jsonl or csv.")
    var format: ServedLogPrinter.Format = .table

    func validate() throws {
        if last != nil && from != nil {
            throw ValidationError("give --from or --last, not both")
        }
    }

    func run() async throws {
        try await CommandFailure.reporting {
            let selection: ServedLogReader.Selection
            do {
                selection = try Self.selection(service: service, node: node, from: from, to: to, last: last, now: WallClock.nowMicros())
            } catch let error as SkewlessError {
                throw CommandFailure(error.message, exitCode: CommandFailure.rejectedInput)
            }
            guard FileManager.default.fileExists(atPath: store) else {
                throw CommandFailure("there is no offline store at \(store): give the nodes' --segments directory with --store", exitCode: CommandFailure.rejectedInput)
            }
            let read = try ServedLogReader(store: OfflineStore(directory: store)).read(selection)
            for warning in read.warnings {
                StandardError.write("warning: \(warning)")
            }
            print(ServedLogPrinter.render(read.records, format: format), terminator: "")
        }
    }

    /// The records asked for: times as `TimeSyntax` spells them, `last` as a repo duration.
    static func selection(service: String?, node: String?, from: String?, to: String?, last: String?, now: Int64) throws(SkewlessError) -> ServedLogReader.Selection {
        func time(_ text: String, _ option: String) throws(SkewlessError) -> Int64 {
            do {
                return try TimeSyntax.microseconds(from: text, now: now)
            } catch {
                throw SkewlessError(.invalidArgument, "\(option): \(error.message)")
            }
        }
        var selection = ServedLogReader.Selection(service: service, node: node)
        if let from { selection.from = try time(from, "--from") }
        if let to { selection.to = try time(to, "--to") }
        if let last { selection.from = now - (try DurationParser.seconds(from: last, option: "--last")) * 1_000_000 }
        return selection
    }
}

extension ServedLogPrinter.Format: ExpressibleByArgument {}
