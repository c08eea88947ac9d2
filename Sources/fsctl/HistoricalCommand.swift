import ArgumentParser
import Foundation
import SkewlessIngest
import SkewlessModel
import SkewlessOfflineStore
import SkewlessRepo

/// `fsctl historical`: a point-in-time-correct training set from the offline store.
struct HistoricalCommand: AsyncParsableCommand {
    static let defaultStore = "offline-store"

    static let configuration = CommandConfiguration(
        commandName: "historical",
        abstract: "Build a point-in-time-correct training set: a feature service's values as of each label row's time.",
        discussion: """
            The labels file (CSV or JSON Lines) has the join keys of the service's views, a time column (--timestamp-column), and any other columns, which are passed through. Every label row is kept, in order, duplicates too.

            For each label row and feature: the view's row with the latest event time <= T and >= T - TTL (ties: the latest created time); with --as-of-known-time, also created time <= T, so that later corrections do not leak into training. No such row gives an empty value; --status adds a FEATURE__status column (PRESENT, NOT_FOUND, OUTSIDE_TTL, NULL_VALUE). Exact rules: docs/point-in-time.md.

            Example:
              fsctl historical --labels labels.csv --service fraud_detection_v1 --out training.csv --status
            """)

    @Option(help: "The label rows: CSV or JSON Lines (by extension, or --format).")
    var labels: String

    @Option(help: "The feature service whose features to retrieve.")
    var service: String

    @Option(help: "Where to write the training set, or - for standard output.")
    var out: String

    @Option(help: "The feature repo: a directory of YAML files, or one file.")
    var repo: String = "examples/feature_repo"

    @Option(help: "The offline store's directory.")
    var store: String = HistoricalCommand.defaultStore

    @Option(help: "The label column holding each row's time (microseconds, RFC 3339, ...).")
    var timestampColumn: String = "timestamp"

    @Option(help: "The format of --labels: csv or jsonl (default: from its name).")
    var format: InputFormat?

    @Option(help: "The format of --out: csv or jsonl (default: from its name, else that of --labels).")
    var outFormat: InputFormat?

    @Flag(help: "Add a status column after each feature.")
    var status = false

    @Flag(help: "Also require created time <= T (exclude rows written after the label's time).")
    var asOfKnownTime = false

    func validate() throws {
        guard format != nil || InputFormat(path: labels) != nil else {
            throw ValidationError("cannot tell the format of '\(labels)' from its name: give --format csv or --format jsonl")
        }
    }

    func run() async throws {
        try await CommandFailure.reporting {
            let loaded = try FeatureRepoLoader.load(path: repo)
            let features = try loaded.resolve(service: service)
            var joinKeys: [JoinKey] = []
            for feature in features {
                for key in loaded.joinKeys(of: feature.view) where !joinKeys.contains(key) { joinKeys.append(key) }
            }
            let inputFormat = format ?? InputFormat(path: labels) ?? .csv
            let outputFormat = outFormat ?? InputFormat(path: out) ?? inputFormat
            let start = ContinuousClock.now
            let bytes = try InputFile.read(labels)
            let labelFile = try LabelFile.read(bytes, format: inputFormat, file: labels, joinKeys: joinKeys, timeColumn: timestampColumn, now: WallClock.nowMicros()).get()
            var keyColumns: [String: KeyColumn] = [:]
            for key in joinKeys {
                let parts = labelFile.keys[key.name] ?? []
                switch key.type {
                case .int64: keyColumns[key.name] = .int64(parts.map { if case .int64(let value) = $0 { value } else { 0 } })
                case .string: keyColumns[key.name] = .string(parts.map { if case .string(let value) = $0 { value } else { "" } })
                }
            }
            let readSeconds = IngestCommand.seconds(since: start)
            let joinStart = ContinuousClock.now
            let columns = try OfflineStore(directory: store).historical(
                labels: HistoricalLabels(keys: keyColumns, times: labelFile.times), features: features,
                joinKeys: { loaded.joinKeys(of: $0) }, asOfKnownTime: asOfKnownTime)
            let joinSeconds = IngestCommand.seconds(since: joinStart)
            let writeStart = ContinuousClock.now
            let fieldNames = features.map(\.field.name)
            let outputs = columns.map { column in
                let name = fieldNames.filter { $0 == column.feature.field.name }.count > 1 ? "\(column.feature.view.name)__\(column.feature.field.name)" : column.feature.field.name
                return TrainingSetWriter.Feature(name: name, statuses: column.statuses) { row in try column.value(at: row) }
            }
            try Self.withOutput(out) { write in
                try TrainingSetWriter.write(labels: labelFile, features: outputs, format: outputFormat, statusColumns: status, to: write)
            }
            let writeSeconds = IngestCommand.seconds(since: writeStart)
            StandardError.write("\(labelFile.count) label rows x \(features.count) features -> \(out == "-" ? "<stdout>" : out) (read labels \(String(format: "%.2f", readSeconds)) s, join \(String(format: "%.2f", joinSeconds)) s, write \(String(format: "%.2f", writeSeconds)) s)")
        }
    }

    /// Runs `body` with a writer to `path` (`-`: standard output); the file appears whole or
    /// not at all (written to a temporary name, then renamed).
    static func withOutput(_ path: String, _ body: (([UInt8]) throws -> Void) throws -> Void) throws {
        if path == "-" {
            try body { FileHandle.standardOutput.write(Data($0)) }
            return
        }
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw CommandFailure("cannot create \(temporary): check that its directory exists and is writable", exitCode: CommandFailure.failure)
        }
        do {
            try body { try handle.write(contentsOf: $0) }
            try handle.close()
            guard rename(temporary, path) == 0 else {
                throw CommandFailure("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))", exitCode: CommandFailure.failure)
            }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}
