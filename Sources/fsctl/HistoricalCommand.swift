import ArgumentParser
import Foundation
import Skewless
import SkewlessIngest
import SkewlessModel
import SkewlessOfflineStore
import SkewlessRepo

#if canImport(Glibc)
// With fsctl's dependencies, the compiler attributes `stat` to CoreFoundation's clang module
// (whichever module reaches sys/stat.h first), and member import visibility wants it imported.
import CoreFoundation
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `fsctl historical`: a point-in-time-correct training set from the offline store.
struct HistoricalCommand: AsyncParsableCommand {
    static let defaultStore = "offline-store"

    static let configuration = CommandConfiguration(
        commandName: "historical",
        abstract: "Build a point-in-time-correct training set: a feature service's values as of each label row's time.",
        discussion: """
            The labels file (CSV or JSON Lines) has the join keys of the service's views, a time column (--timestamp-column; Feast's event_timestamp is taken when there is no timestamp column), and any other columns, which are passed through. Every label row is kept, in order, duplicates too. Times are microseconds since the epoch or RFC 3339; numbers that look like seconds or milliseconds are refused.

            For each label row and feature: the view's row with the latest event time <= T and >= T - TTL (ties: the latest created time); with --as-of-known-time, also created time <= T, so that later corrections do not leak into training. No such row gives an empty value; --status adds a FEATURE__status column (PRESENT, NOT_FOUND, OUTSIDE_TTL, NULL_VALUE). Each view's VIEW__event_time column holds the event time of the row chosen (microseconds), so that a feature's age can be computed (--no-event-times leaves them out). Exact rules: docs/point-in-time.md.

            A missing store or a view the store has nothing of is an error; labels whose keys match no row of a view are a warning on standard error. With --node, the node joins the labels against its offline store (GET_HISTORICAL_FEATURES), from any host.

            CSV and JSON Lines only: for Parquet, use the Python package (pip install ./python).

            Example:
              fsctl historical --labels labels.csv --service fraud_detection_v1 --out training.csv --status
            """)

    @Option(help: "The label rows: CSV or JSON Lines (by extension, or --format).")
    var labels: String

    @Option(help: "The feature service whose features to retrieve.")
    var service: String?

    @Option(help: "Or the features, comma-separated: view:field or view@version:field.")
    var features: String?

    @Option(help: "Where to write the training set, or - for standard output.")
    var out: String

    @Option(help: "The feature repo: a directory of YAML files, or one file.")
    var repo: String = "examples/feature_repo"

    @Option(help: "The offline store's directory.")
    var store: String = HistoricalCommand.defaultStore

    @Option(help: "The label column holding each row's time (microseconds, RFC 3339, ...); by default timestamp, or Feast's event_timestamp.")
    var timestampColumn: String?

    @Option(help: "The format of --labels: csv or jsonl (default: from its name).")
    var format: InputFormat?

    @Option(help: "The format of --out: csv or jsonl (default: from its name, else that of --labels).")
    var outFormat: InputFormat?

    @Flag(help: "Add a status column after each feature.")
    var status = false

    @Flag(help: "Also require created time <= T (exclude rows written after the label's time).")
    var asOfKnownTime = false

    @Flag(inversion: .prefixedNo, help: "Add a VIEW__event_time column per view: the event time of the row chosen for each label.")
    var eventTimes = true

    @Option(help: "Build the training set on this node (HOST:PORT), from its offline store, instead of reading --store here.")
    var node: String?

    @Option(help: "With --node: the deadline of the whole query, in seconds.")
    var timeoutSeconds: Double = 600

    func validate() throws {
        guard (service == nil) != (features == nil) else {
            throw ValidationError("give the features to retrieve: --service NAME or --features view:field,...")
        }
        for path in [labels, out] where ColumnarFile.matches(path) {
            throw ValidationError(ColumnarFile.refusal(path, reading: path == labels))
        }
        guard format != nil || InputFormat(path: labels) != nil else {
            throw ValidationError("cannot tell the format of '\(labels)' from its name: give --format csv or --format jsonl")
        }
    }

    func run() async throws {
        try await CommandFailure.reporting(node: node) {
            let loaded = try FeatureRepoLoader.load(path: repo)
            let features: [ResolvedFeature]
            if let service {
                features = try loaded.resolve(service: service)
            } else {
                features = try (self.features ?? "").split(separator: ",").map { try loaded.resolve(FeatureReference(parsing: String($0))) }
            }
            var joinKeys: [JoinKey] = []
            for feature in features {
                for key in loaded.joinKeys(of: feature.view) where !joinKeys.contains(key) { joinKeys.append(key) }
            }
            let inputFormat = format ?? InputFormat(path: labels) ?? .csv
            let outputFormat = outFormat ?? InputFormat(path: out) ?? inputFormat
            let start = ContinuousClock.now
            let bytes = try InputFile.read(labels)
            let timeColumn = timestampColumn ?? "timestamp"
            let labelFile = try LabelFile.read(
                bytes, format: inputFormat, file: labels, joinKeys: joinKeys, timeColumn: timeColumn,
                fallbackTimeColumns: timestampColumn == nil ? ["event_timestamp"] : [], now: WallClock.nowMicros()
            ).get()
            var keyColumns: [String: KeyColumn] = [:]
            for key in joinKeys {
                let parts = labelFile.keys[key.name] ?? []
                switch key.type.storage {
                case .int64: keyColumns[key.name] = .int64(parts.map { if case .int64(let value) = $0.storage { value } else { 0 } })
                case .string: keyColumns[key.name] = .string(parts.map { if case .string(let value) = $0.storage { value } else { "" } })
                }
            }
            let readSeconds = IngestCommand.seconds(since: start)
            let joinStart = ContinuousClock.now
            let set: TrainingSet
            if let node {
                set = try await Self.remote(node: node, service: service, features: features, keys: keyColumns, times: labelFile.times, asOfKnownTime: asOfKnownTime, timeoutSeconds: timeoutSeconds)
            } else {
                let answer = try OfflineStore(directory: store).trainingSet(
                    labels: HistoricalLabels(keys: keyColumns, times: labelFile.times), features: features,
                    joinKeys: { loaded.joinKeys(of: $0) }, asOfKnownTime: asOfKnownTime)
                set = TrainingSet(answer)
            }
            for warning in set.warnings {
                StandardError.write("warning: \(warning)")
            }
            let joinSeconds = IngestCommand.seconds(since: joinStart)
            let writeStart = ContinuousClock.now
            let fieldNames = set.columns.map(\.field)
            let outputs = set.columns.map { column in
                let name = fieldNames.filter { $0 == column.field }.count > 1 ? "\(column.view.name)__\(column.field)" : column.field
                return TrainingSetWriter.Feature(name: name, statuses: column.statuses, value: column.value)
            }
            let views = set.views.map(\.view)
            let times = eventTimes ? set.views.map { TrainingSetWriter.EventTimes(name: TrainingSetWriter.EventTimes.columnName(view: $0.view, among: views), times: $0.eventTimes) } : []
            try Self.withOutput(out) { write in
                try TrainingSetWriter.write(labels: labelFile, features: outputs, eventTimes: times, format: outputFormat, statusColumns: status, to: write)
            }
            let writeSeconds = IngestCommand.seconds(since: writeStart)
            StandardError.write("\(labelFile.count) label rows x \(features.count) features -> \(out == "-" ? "<stdout>" : out) (read labels \(String(format: "%.2f", readSeconds)) s, join \(String(format: "%.2f", joinSeconds)) s, write \(String(format: "%.2f", writeSeconds)) s)")
        }
    }

    /// The training set built by a node (GET_HISTORICAL_FEATURES) from its offline store.
    static func remote(node: String, service: String?, features: [ResolvedFeature], keys: [String: KeyColumn], times: [Int64], asOfKnownTime: Bool, timeoutSeconds: Double) async throws -> TrainingSet {
        guard let endpoint = Endpoint(node) else {
            throw CommandFailure("--node '\(node)' is not host:port (e.g. 127.0.0.1:7421)", exitCode: CommandFailure.rejectedInput)
        }
        var labels = TrainingLabels(timesMicros: times)
        for (name, column) in keys {
            switch column {
            case .int64(let values): try labels.setKey(name, values)
            case .string(let values): try labels.setKey(name, values)
            }
        }
        let client = FeatureClient(configuration: .defaults(endpoint: endpoint) {
            $0.connectionsPerNode = 1
            $0.clientName = "fsctl historical"
        })
        do {
            let remote: HistoricalFeatures
            if let service {
                remote = try await client.getHistoricalFeatures(service: service, labels: labels, asOfKnownTime: asOfKnownTime, timeout: .seconds(timeoutSeconds))
            } else {
                remote = try await client.getHistoricalFeatures(features: features.map(\.qualifiedName), labels: labels, asOfKnownTime: asOfKnownTime, timeout: .seconds(timeoutSeconds))
            }
            await client.close()
            return try TrainingSet(remote, features: features)
        } catch {
            await client.close()
            if let error = error as? SkewlessError { throw CommandFailure(error, node: node) }
            throw error
        }
    }

    /// Runs `body` with a writer to `path` (`-`: standard output); a file appears whole or
    /// not at all (written to a temporary name, then renamed). A path that exists and is not a
    /// regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place: renaming over it
    /// would replace the device with a file (as root, /dev/null itself).
    static func withOutput(_ path: String, _ body: (([UInt8]) throws -> Void) throws -> Void) throws {
        if path == "-" {
            try body { FileHandle.standardOutput.write(Data($0)) }
            return
        }
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG, status.st_mode & S_IFMT != S_IFDIR {
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw CommandFailure("cannot open \(path) for writing: \(String(cString: strerror(errno)))", exitCode: CommandFailure.failure)
            }
            defer { try? handle.close() }
            try body { try handle.write(contentsOf: $0) }
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
