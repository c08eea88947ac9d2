import ArgumentParser
import Foundation
import Skewless
import SkewlessIngest

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `fsctl push`: streams rows from a file or standard input into a feature view as they
/// arrive, for real-time pipelines. The work is `PushPipeline`'s (SkewlessIngest); this
/// command parses the flags, asks the node for the view, sends batches with the SDK, and
/// turns SIGINT and SIGTERM into a clean stop.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Stream rows from a file or standard input into a feature view as they arrive.",
        discussion: """
            Reads JSON Lines or CSV as it comes (a pipe from a consumer, or a file that grows with --follow) and writes it to the node in batches: a batch goes when it has --batch-rows rows or its first row has waited --batch-millis, so bursts travel in full batches and a lone row is not held back. Each acknowledgement means the batch is stored durably (see docs/operations.md, "Streaming writes").

            Columns and values are those of fsctl put: every join key, event_time, any of the view's fields; "now" in a time is when the row was read. A created_time column is refused: the write log stamps each row's created time when it accepts it (rows with created times of their own go in with fsctl ingest).

            A bad row (unparseable, a wrong type, an unknown column, no join key or event time) is reported on standard error with its line (JSON Lines) or data row (CSV) and left out whole; the stream goes on. At most --max-in-flight batches await their acknowledgement: while they all do, reading pauses, so a slow node slows the producer. A batch that fails because no node could take it (unavailable, deadline exceeded) is sent again with the same idempotency key, so it is stored once, for up to --retry-seconds. SIGINT or SIGTERM stops the reading, sends what was read and waits for it (a second one quits at once, status 130).

            Exit status: 0 every row pushed; 1 some rows were bad and left out, every good row pushed; otherwise as for every fsctl command (2 rejected input: a header that does not fit the view, a created_time column, more bad rows than --max-bad-rows, a batch the node refused; 3 unavailable for longer than --retry-seconds; 4 deadline exceeded; 1 also for an unreadable input).

            Examples:
              kafka-console-consumer --topic txn-features ... \\
                  | fsctl push user_transactions --format jsonl --node 10.0.0.1:7421
              fsctl push user_transactions /var/log/features/txn.jsonl --follow --progress
            """)

    @OptionGroup var nodeOptions: NodeOptions

    @Argument(help: "The feature view: name (its latest version) or name@version.")
    var view: String

    @Argument(help: "The file to read; - or none for standard input (then --format is required).")
    var file: String = "-"

    @Option(help: "csv or jsonl. By default from the file name: .csv, .jsonl or .ndjson.")
    var format: InputFormat?

    @Flag(help: "At the end of the file, wait for more as it grows (like tail -f) until interrupted.")
    var follow = false

    @Option(help: "Send a batch when it has this many rows...")
    var batchRows = 10_000

    @Option(help: "... or when its first row has waited this many milliseconds...")
    var batchMillis = 5

    @Option(help: "... or when its rows take this many bytes of input (wide rows: embeddings).")
    var batchBytes = 8 << 20

    @Option(help: "Batches awaiting acknowledgement at most; reading pauses while they all are.")
    var maxInFlight = 4

    @Option(help: "How long to retry a batch no node could take (unavailable, deadline exceeded) before failing.")
    var retrySeconds = 60

    @Option(help: "Stop after more than this many bad rows (default: never stop; bad rows are reported and left out).")
    var maxBadRows: Int?

    @Flag(help: "Stop at the first bad row (the same as --max-bad-rows 0).")
    var stopOnBadRow = false

    @Flag(help: "Report progress every second on standard error even when it is not a terminal.")
    var progress = false

    func validate() throws {
        guard batchRows > 0 else { throw ValidationError("--batch-rows must be positive") }
        guard batchMillis >= 0 else { throw ValidationError("--batch-millis cannot be negative") }
        guard batchBytes > 0 else { throw ValidationError("--batch-bytes must be positive") }
        guard maxInFlight > 0 else { throw ValidationError("--max-in-flight must be positive") }
        guard retrySeconds >= 0 else { throw ValidationError("--retry-seconds cannot be negative") }
        if let maxBadRows, maxBadRows < 0 { throw ValidationError("--max-bad-rows cannot be negative") }
        guard maxBadRows == nil || !stopOnBadRow else { throw ValidationError("give --max-bad-rows or --stop-on-bad-row, not both") }
        guard file != "-" || !follow else {
            throw ValidationError("--follow is for a file that grows; standard input is read until it ends")
        }
        guard format != nil || file != "-" else {
            throw ValidationError("reading standard input needs --format csv or --format jsonl")
        }
        guard format != nil || InputFormat(path: file) != nil else {
            throw ValidationError("cannot tell the format of '\(file)' from its name: give --format csv or --format jsonl (or name it .csv, .jsonl)")
        }
    }

    func run() async throws {
        var outcome: PushOutcome?
        try await CommandFailure.reporting(node: nodeOptions.node) {
            let descriptor = try Self.openInput(file)
            defer { if descriptor != STDIN_FILENO { close(descriptor) } }
            try await nodeOptions.withClient(defaultTimeoutMilliseconds: 10_000) { client in
                let repo = try await client.describe()
                let target = try repo.featureView(qualified: view)
                let validator = RowValidator(
                    view: target, joinKeys: repo.joinKeys(of: target), now: WallClock.nowMicros(),
                    otherVersions: repo.featureViews.filter { $0.name == target.name }, refusesCreatedTime: true)
                let reporter = PushReporter(showsProgress: progress || isatty(STDERR_FILENO) == 1)
                let pipeline = PushPipeline(
                    file: file, format: format ?? InputFormat(path: file) ?? .csv, validator: validator, options: options(reporter),
                    send: Self.sender(client, view: target.qualifiedName), report: reporter.report)
                let signals = SignalTrap([SIGINT, SIGTERM]) {
                    reporter.note("stopping: sending the rows read so far and waiting for their acknowledgements (interrupt again to quit at once)")
                    pipeline.interrupt()
                }
                let result = await pipeline.run(reading: FileDescriptorReader(descriptor: descriptor, follow: follow))
                signals.cancel()
                reporter.finish()
                // A failure before the first row (a header that does not fit) is its own report.
                if result.failure == nil || result.totals.rowsRead + result.totals.badRows > 0 {
                    print(Self.summary(result, source: file == "-" ? "<stdin>" : file, view: target.qualifiedName))
                }
                Self.warn(about: result, file: file)
                outcome = result
                if let failure = result.failure {
                    throw Self.commandFailure(failure, storedBefore: result.storedBefore, node: nodeOptions.node)
                }
            }
        }
        if let outcome, outcome.totals.badRows > 0 {
            throw ExitCode(CommandFailure.failure)
        }
    }

    private func options(_ reporter: PushReporter) -> PushOptions {
        var options = PushOptions(runID: PushOptions.randomRunID())
        options.batchRows = batchRows
        options.batchBytes = batchBytes
        options.batchWait = .milliseconds(batchMillis)
        options.maxInFlight = maxInFlight
        options.retryFor = .seconds(retrySeconds)
        options.maxBadRows = stopOnBadRow ? 0 : maxBadRows
        options.progressInterval = reporter.showsProgress ? .seconds(1) : nil
        return options
    }

    /// Writes a batch through the SDK with the batch's key; no created times (the write log
    /// stamps them).
    static func sender(_ client: FeatureClient, view: String) -> PushPipeline.Send {
        { batch throws(SkewlessError) in
            let rows = batch.rows.map { FeatureWrite(entity: $0.entity, eventTime: $0.eventTime, values: $0.values) }
            let summary = try await client.write(view: view, rows: rows, idempotencyKey: try IdempotencyKey(batch.key))
            return PushAcknowledgement(
                rowsWritten: summary.rowsWritten, rowsIgnoredOlder: summary.rowsIgnoredOlder, isDuplicate: summary.isDuplicate,
                minReplicasApplied: summary.minReplicasApplied, missedReplicas: summary.missedReplicas)
        }
    }

    /// `events.jsonl -> user_transactions@2: 12000 rows pushed in 3 batches, ...; 2.51 s, 4781 rows/s`
    static func summary(_ outcome: PushOutcome, source: String, view: String) -> String {
        let totals = outcome.totals
        var parts = ["\(PutCommand.count(totals.rowsAcknowledged, "row")) pushed in \(PutCommand.count(totals.batchesAcknowledged, "batch"))"]
        if totals.duplicateBatches > 0 {
            parts.append("\(totals.duplicateBatches) of them \(totals.duplicateBatches == 1 ? "a duplicate" : "duplicates") (stored once)")
        }
        if totals.rowsIgnoredOlder > 0 {
            parts.append("\(totals.rowsIgnoredOlder) ignored as older than the node's (still recorded offline)")
        }
        if totals.badRows > 0 {
            parts.append("\(PutCommand.count(totals.badRows, "bad row")) left out")
        }
        if totals.retries > 0 {
            parts.append("\(totals.retries) \(totals.retries == 1 ? "retry" : "retries")")
        }
        if totals.rowsNotSent > 0 {
            parts.append("\(totals.rowsNotSent) read but not stored")
        }
        let seconds = Double(outcome.elapsed.components.seconds) + Double(outcome.elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int((Double(totals.rowsAcknowledged) / seconds).rounded()) : totals.rowsAcknowledged
        let stopped = outcome.wasInterrupted ? " (interrupted)" : ""
        return "\(source) -> \(view): \(parts.joined(separator: ", ")); \(String(format: "%.3f", seconds)) s, \(rate) rows/s\(stopped)"
    }

    /// Warnings after the summary: replicas that missed rows, an unfinished last line.
    static func warn(about outcome: PushOutcome, file: String) {
        let totals = outcome.totals
        if totals.batchesWithMissedReplicas > 0 {
            let fewest = totals.minReplicasApplied.map { "; the fewest replicas that applied a batch: \($0)" } ?? ""
            StandardError.write("warning: \(totals.batchesWithMissedReplicas) of \(PutCommand.count(totals.batchesAcknowledged, "batch")) acknowledged without every replica (missed: \(totals.missedReplicas.sorted().joined(separator: ", "))\(fewest)); the rows are in the write log and those replicas catch up from it")
        }
        if outcome.unfinishedBytes > 0 {
            StandardError.write("warning: \(file == "-" ? "<stdin>" : file) ended in \(outcome.unfinishedBytes) bytes of an unfinished line when interrupted: not pushed")
        }
    }

    /// The failure to report, with its exit status, and what is known to be stored.
    static func commandFailure(_ failure: PushOutcome.Failure, storedBefore: String?, node: String) -> CommandFailure {
        let stored = storedBefore.map { "\n(every row before \($0) is stored; of the rows from there on, only some may be: push them again from there)" } ?? ""
        switch failure {
        case .input(let problems):
            return CommandFailure(problems.description + stored, exitCode: CommandFailure.rejectedInput)
        case .tooManyBadRows(let limit, let location):
            return CommandFailure("stopped at \(location): more than \(PutCommand.count(limit, "bad row")) (--max-bad-rows); the good rows before it were pushed" + stored, exitCode: CommandFailure.rejectedInput)
        case .node(let error, let batch):
            let hint = error.code == .resourceExhausted ? "\n(lower --batch-rows or --batch-bytes below the node's limits)" : ""
            var failure = CommandFailure(SkewlessError(error.code, "\(batch): \(error.message)"), node: node)
            failure.message += hint + stored
            return failure
        case .read(let message):
            return CommandFailure(message + stored, exitCode: CommandFailure.failure)
        }
    }

    /// Opens the input: standard input for `-`.
    static func openInput(_ path: String) throws(CommandFailure) -> Int32 {
        if path == "-" { return STDIN_FILENO }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CommandFailure("\(path): no such file", exitCode: CommandFailure.failure)
        }
        let descriptor = isDirectory.boolValue ? -1 : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CommandFailure("\(path): cannot read the file (a directory, or permission denied?)", exitCode: CommandFailure.failure)
        }
        return descriptor
    }
}
