import ArgumentParser
import Foundation
import Skewless
import SkewlessIngest
import SkewlessRepo

/// `fsctl put`: checks every row of a CSV or JSON Lines file against a feature view, then
/// writes them to a node in batches. One invalid row and nothing is written. Rows give no
/// created time: the node's write log stamps it (`fsctl ingest` takes rows with created
/// times of their own). For a stream rather than a finished file: `fsctl push`.
struct PutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Write rows from a CSV or JSON Lines file into a feature view.",
        discussion: """
            Columns (CSV header names, or JSON keys): every join key of the view, event_time, and any of the view's fields. A missing column, an empty CSV cell or a JSON null is a null value, except that "" in CSV is an empty string, bytes or list. A created_time column is refused: the node's write log stamps each row's created time when it accepts the row (rows with created times of their own go into the offline store with fsctl ingest).

            Times (event_time, timestamp fields): microseconds since the epoch, RFC 3339 (2026-11-21T10:00:00Z), now, or now-30m, now-2h, now+90s (units ms, s, m, h, d).

            Values: bool true, false, 1 or 0; integers range-checked; floats and doubles also NaN, Infinity, -Infinity; bytes as base64; lists and embeddings as JSON lists, or in CSV also a;b;c (an embedding[N] needs exactly N numbers).

            Every row is checked before anything is sent; up to 20 problems are listed. Format details: examples/data/README.md.

            put writes one finished file, all or nothing. For a stream that keeps coming (a pipe from a message queue, a file that grows), use fsctl push: it sends rows as they arrive, leaves bad rows out and goes on.
            """)

    @OptionGroup var nodeOptions: NodeOptions

    @Option(help: "The feature view: name (its latest version) or name@version.")
    var view: String

    @Option(help: "The file to read, or - for standard input (then --format is required).")
    var file: String

    @Option(help: "csv or jsonl. By default from the file name: .csv, .jsonl or .ndjson.")
    var format: InputFormat?

    @Option(help: "Rows per write request.")
    var batchSize: Int = 1_000

    @Flag(help: "Check every row and write nothing.")
    var dryRun = false

    @Option(help: "With --dry-run: check against this feature repo instead of asking the node for the view's schema.")
    var repo: String?

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard format != nil || file != "-" else {
            throw ValidationError("reading standard input needs --format csv or --format jsonl")
        }
        guard format != nil || InputFormat(path: file) != nil else {
            throw ValidationError("cannot tell the format of '\(file)' from its name: give --format csv or --format jsonl (or name it .csv, .jsonl)")
        }
        guard repo == nil || dryRun else {
            throw ValidationError("--repo is for --dry-run; a write takes the view's schema from the node it writes to")
        }
    }

    func run() async throws {
        try await CommandFailure.reporting(node: nodeOptions.node) {
            let format = self.format ?? InputFormat(path: file) ?? .csv
            let source = file == "-" ? "<stdin>" : file
            let bytes = try InputFile.read(file)
            let now = WallClock.nowMicros()
            if let repo {
                let loaded = try FeatureRepoLoader.load(path: repo)
                let writes = try Self.check(bytes, format: format, file: file, view: view, in: loaded, now: now)
                print("\(source): \(Self.count(writes.rows.count, "row")) valid for \(writes.view.qualifiedName) (dry run: nothing written)")
                return
            }
            try await nodeOptions.withClient(defaultTimeoutMilliseconds: 10_000) { client in
                let checked = try Self.check(bytes, format: format, file: file, view: view, in: try await client.describe(), now: now)
                let target = checked.view.qualifiedName
                guard !dryRun else {
                    print("\(source): \(Self.count(checked.rows.count, "row")) valid for \(target) (dry run: nothing written)")
                    return
                }
                guard !checked.rows.isEmpty else {
                    print("\(source): no rows to write")
                    return
                }
                let start = ContinuousClock.now
                var written = 0, ignored = 0, sent = 0, batches = 0
                for batchStart in stride(from: 0, to: checked.rows.count, by: batchSize) {
                    let batch = checked.rows[batchStart..<min(batchStart + batchSize, checked.rows.count)].map {
                        // No created time: the validator refuses the column; the write log stamps it.
                        FeatureWrite(entity: $0.entity, eventTime: $0.eventTime, values: $0.values)
                    }
                    let summary: WriteSummary
                    do throws(SkewlessError) {
                        summary = try await client.write(view: target, rows: batch)
                    } catch {
                        let done = sent == 0 ? "nothing was written" : "the first \(sent) rows were written (\(batches) batches); running the command again is safe, the node keeps the latest row per entity"
                        throw SkewlessError(error.code, "\(error.message)\n(writing rows \(batchStart + 1)...\(batchStart + batch.count) of \(checked.rows.count): \(done))")
                    }
                    written += summary.rowsWritten
                    ignored += summary.rowsIgnoredOlder
                    sent += batch.count
                    batches += 1
                }
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let rate = seconds > 0 ? Int((Double(sent) / seconds).rounded()) : sent
                print("\(source) -> \(target): \(Self.count(written, "row")) written, \(ignored) ignored as older than the node's (\(Self.count(batches, "batch")), \(String(format: "%.3f", seconds)) s, \(rate) rows/s)")
            }
        }
    }

    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : noun.hasSuffix("ch") ? "es" : "s")"
    }

    /// The view and every row of the file as a write, or every problem of the file.
    static func check(_ bytes: [UInt8], format: InputFormat, file: String, view name: String, in repo: FeatureRepo, now: Int64) throws -> (view: FeatureView, rows: [CheckedRow]) {
        let view = try repo.featureView(qualified: name)
        let versions = repo.featureViews.filter { $0.name == view.name }
        let validator = RowValidator(view: view, joinKeys: repo.joinKeys(of: view), now: now, otherVersions: versions, refusesCreatedTime: true)
        let rows = try WriteRowsReader.writes(from: bytes, format: format, file: file, validator: validator).get()
        return (view, rows)
    }
}

extension InputFormat: ExpressibleByArgument {}
