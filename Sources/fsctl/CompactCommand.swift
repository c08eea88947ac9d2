import ArgumentParser
import Foundation
import SkewlessModel
import SkewlessOfflineStore
import SkewlessRepo

/// `fsctl compact`: merges a view's segments into few, keeping every row.
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge a feature view's segments in the offline store into few, keeping every row.",
        discussion: """
            Many ingestions (and the write log's sealer) leave many segments; a training set reads every one. Compaction merges them into segments of up to 16M rows with one manifest swap, crash-safe, keeping the full history and the order that breaks exact ties (docs/segment-format.md). It takes the view's lock: an ingestion or a sealing of the same view waits, and reads go on.

            Example:
              fsctl compact user_transactions --store /data/offline
            """)

    @Argument(help: "The feature view: name (its latest version) or name@version.")
    var view: String

    @Option(help: "The feature repo: a directory of YAML files, or one file.")
    var repo: String = "examples/feature_repo"

    @Option(help: "The offline store's directory.")
    var store: String = HistoricalCommand.defaultStore

    func run() async throws {
        try await CommandFailure.reporting {
            let loaded = try FeatureRepoLoader.load(path: repo)
            let target = try loaded.featureView(qualified: view)
            let offline = OfflineStore(directory: store)
            try offline.checkHolds(target)
            let start = ContinuousClock.now
            let result = try offline.compact(view: target, joinKeys: loaded.joinKeys(of: target))
            let seconds = String(format: "%.2f", IngestCommand.seconds(since: start))
            if result.segmentsBefore == result.segmentsAfter {
                print("\(target.qualifiedName): \(result.segmentsBefore) segment\(result.segmentsBefore == 1 ? "" : "s"), \(result.rows) rows: nothing to compact (\(seconds) s)")
            } else {
                print("compacted \(target.qualifiedName): \(result.segmentsBefore) segments -> \(result.segmentsAfter), \(result.rows) rows (\(seconds) s)")
            }
        }
    }
}
