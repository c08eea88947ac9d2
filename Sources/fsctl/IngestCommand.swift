import ArgumentParser
import Foundation
import SkewlessIngest
import SkewlessModel
import SkewlessOfflineStore
import SkewlessRepo

/// `fsctl ingest`: checks every row of a CSV or JSON Lines file against a feature view and
/// adds them to the offline store's history of that view, all or none.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add the rows of a CSV or JSON Lines file to a feature view's history in the offline store.",
        discussion: """
            Columns and value spellings are those of fsctl put: every join key, event_time (required; Feast's event_timestamp is taken too), optionally created_time (or created_timestamp; every row or none; without it, rows get the ingestion time), and any of the view's fields. Times are microseconds since the epoch or RFC 3339; numbers that look like seconds or milliseconds are refused.

            CSV and JSON Lines only: for Parquet, use the Python package (pip install ./python, skewless.ingest_parquet).

            The file streams through in pieces, so it may be far larger than memory: rows are sorted in runs of --run-rows and written as segments, which one manifest swap makes visible at the end. If any row is invalid, nothing is ingested and up to 20 problems are listed with row and column.

            Examples:
              fsctl ingest user_transactions examples/data/user_transactions.csv
              zcat big.csv.gz | fsctl ingest user_transactions@1 - --format csv --store /data/offline
            """)

    @Argument(help: "The feature view: name (its latest version) or name@version.")
    var view: String

    @Argument(help: "The file to read, or - for standard input (then --format is required).")
    var file: String

    @Option(help: "The feature repo: a directory of YAML files, or one file.")
    var repo: String = "examples/feature_repo"

    @Option(help: "The offline store's directory (created if missing).")
    var store: String = HistoricalCommand.defaultStore

    @Option(help: "csv or jsonl. By default from the file name: .csv, .jsonl or .ndjson.")
    var format: InputFormat?

    @Option(help: "Rows held in memory before they are sorted and written as one segment.")
    var runRows: Int = OfflineStore.Options.defaults.ingestRunRows

    @Flag(help: "Then merge the view's segments into few (compaction), keeping every row.")
    var compact = false

    func validate() throws {
        if ColumnarFile.matches(file) {
            throw ValidationError(ColumnarFile.refusal(file, reading: true))
        }
        guard runRows > 0 else { throw ValidationError("--run-rows must be positive") }
        guard format != nil || file != "-" else {
            throw ValidationError("reading standard input needs --format csv or --format jsonl")
        }
        guard format != nil || InputFormat(path: file) != nil else {
            throw ValidationError("cannot tell the format of '\(file)' from its name: give --format csv or --format jsonl (or name it .csv, .jsonl)")
        }
    }

    func run() async throws {
        try await CommandFailure.reporting {
            let loaded = try FeatureRepoLoader.load(path: repo)
            let target = try loaded.featureView(qualified: view)
            let joinKeys = loaded.joinKeys(of: target)
            let now = WallClock.nowMicros()
            let validator = RowValidator(view: target, joinKeys: joinKeys, now: now, otherVersions: loaded.featureViews.filter { $0.name == target.name })
            let handle = try Self.open(file)
            let totalBytes = file == "-" ? nil : (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
            var stream = CheckedRowStream(file: file, format: format ?? InputFormat(path: file) ?? .csv, validator: validator, handle: handle)
            let offline = OfflineStore(directory: store, options: .defaults { $0.ingestRunRows = runRows })
            let session = try offline.beginIngest(view: target, joinKeys: joinKeys, nowMicros: now)
            let start = ContinuousClock.now
            var progress = ProgressLine(total: totalBytes)
            do {
                while let rows = try stream.next() {
                    for row in rows {
                        guard let parts = Optional(joinKeys.compactMap({ row.entity[$0.name] })), parts.count == joinKeys.count else {
                            throw CommandFailure("internal error: a checked row lacks a join key", exitCode: CommandFailure.failure)
                        }
                        try session.append(key: EntityKey(parts), eventTime: row.eventTime, createdTime: row.createdTime, values: target.fields.map { row.values[$0.name] ?? nil })
                    }
                    progress.update(rows: stream.rowCount, bytes: stream.bytesRead)
                }
            } catch {
                progress.finish()
                session.abort()
                throw error
            }
            progress.finish()
            if let problems = stream.problems {
                session.abort()
                throw problems
            }
            let segments = try session.commit()
            let seconds = Self.seconds(since: start)
            let source = file == "-" ? "<stdin>" : file
            let rate = seconds > 0 ? Int((Double(stream.rowCount) / seconds).rounded()) : stream.rowCount
            print("\(source) -> \(target.qualifiedName): \(stream.rowCount) rows ingested in \(segments.count) segment\(segments.count == 1 ? "" : "s") (\(String(format: "%.2f", seconds)) s, \(rate) rows/s)")
            if compact {
                let compactStart = ContinuousClock.now
                let result = try offline.compact(view: target, joinKeys: joinKeys)
                print("compacted \(target.qualifiedName): \(result.segmentsBefore) segments -> \(result.segmentsAfter), \(result.rows) rows (\(String(format: "%.2f", Self.seconds(since: compactStart))) s)")
            }
        }
    }

    static func open(_ path: String) throws(CommandFailure) -> FileHandle {
        if path == "-" { return FileHandle.standardInput }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CommandFailure("\(path): no such file", exitCode: CommandFailure.failure)
        }
        guard !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
            throw CommandFailure("\(path): cannot read the file (a directory, or permission denied?)", exitCode: CommandFailure.failure)
        }
        return handle
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// A progress line on standard error, redrawn in place at most 5 times a second, and only
/// when standard error is a terminal (logs and pipes get the final summary alone).
struct ProgressLine {
    let total: Int?
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let start = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?
    private var drawn = false

    init(total: Int?) {
        self.total = total
    }

    mutating func update(rows: Int, bytes: Int) {
        guard isTerminal else { return }
        let now = ContinuousClock.now
        if let lastDrawn, now - lastDrawn < .milliseconds(200) { return }
        lastDrawn = now
        let seconds = IngestCommand.seconds(since: start)
        let rate = seconds > 0 ? Int(Double(rows) / seconds) : 0
        var line = "\(rows) rows, \(bytes >> 20) MiB"
        if let total, total > 0 {
            let share = min(1, Double(bytes) / Double(total))
            let width = 24
            let filled = Int(share * Double(width))
            line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(Int(share * 100))% " + line + " of \(total >> 20) MiB"
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + ", \(rate) rows/s").utf8))
        drawn = true
    }

    mutating func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }
}
