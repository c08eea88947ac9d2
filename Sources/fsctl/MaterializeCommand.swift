import ArgumentParser
import Foundation
import Skewless
import SkewlessIngest
import SkewlessModel

/// `fsctl materialize`: a node loads the latest rows from its offline segment store.
struct MaterializeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "materialize",
        abstract: "Load the latest value of every entity from the offline store into a node.",
        discussion: """
            The node reads the segments it was started with (fsnode --segments DIR) and writes
            each entity's latest row into its online store: incrementally, only rows added since
            the view's watermark, or everything with --full. A node started empty rebuilds its
            online state with:  fsctl materialize --full --node HOST:PORT
            Progress is shown on a terminal; the node's watermarks are shown by fsctl health.
            """)

    @OptionGroup var nodeOptions: NodeOptions

    @Option(name: .customLong("view"), help: "A view to load, name or name@version (repeatable). Default: every view.")
    var views: [String] = []

    @Flag(help: "Reload every entity's latest row, whatever the watermark (a rebuild).")
    var full = false

    @Option(name: .customLong("as-of"), help: "Load rows as of this time instead of now (\(TimeSyntax.help)).")
    var asOf: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        try await CommandFailure.reporting(node: nodeOptions.node) {
            let now = WallClock.nowMicros()
            var asOfMicros: Int64?
            if let asOf {
                do {
                    asOfMicros = try TimeSyntax.microseconds(from: asOf, now: now)
                } catch {
                    throw CommandFailure("--as-of '\(asOf)': \(error)", exitCode: CommandFailure.rejectedInput)
                }
            }
            // A materialization of millions of rows takes seconds to minutes: the deadline
            // is an hour unless --timeout-ms says otherwise.
            let started = ContinuousClock.now
            let progress = Task { await showProgress() }
            defer { progress.cancel() }
            let loaded = try await nodeOptions.withClient(defaultTimeoutMilliseconds: 3_600_000) { client in
                try await client.materialize(views: views, full: full, asOfMicros: asOfMicros, timeout: .milliseconds(nodeOptions.timeoutMilliseconds ?? 3_600_000))
            }
            progress.cancel()
            _ = await progress.value
            let elapsed = ContinuousClock.now - started
            print(render(loaded, elapsed: elapsed))
        }
    }

    private func render(_ loaded: [ViewWatermark], elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if json {
            return JSONValue.object([
                JSONValue.Member("elapsed_seconds", .number(String(format: "%.3f", seconds))),
                JSONValue.Member("views", .array(loaded.map { view in
                    JSONValue.object([
                        JSONValue.Member("feature_view", .string(view.featureView)),
                        JSONValue.Member("watermark", view.watermarkMicros == 0 ? .null : .string(TimeSyntax.rfc3339(micros: view.watermarkMicros))),
                        JSONValue.Member("watermark_micros", .integer(view.watermarkMicros)),
                        JSONValue.Member("rows_scanned", .integer(view.rowsScanned)),
                        JSONValue.Member("entities_written", .integer(view.entitiesWritten)),
                    ])
                })),
            ]).serialized()
        }
        var rows = [["view", "watermark", "rows scanned", "entities written"]]
        for view in loaded {
            let watermark = view.watermarkMicros == 0 ? "none (no rows yet)" : TimeSyntax.rfc3339(micros: view.watermarkMicros)
            rows.append([view.featureView, watermark, String(view.rowsScanned), String(view.entitiesWritten)])
        }
        let entities = loaded.reduce(UInt64(0)) { $0 + $1.entitiesWritten }
        return TablePrinter(rows: rows).render() + "\n" + "materialized \(loaded.count) view versions, \(entities) entity rows, in \(String(format: "%.2f", seconds)) s"
    }

    /// Polls the node's health on a second connection and redraws one progress line on
    /// standard error, when it is a terminal, until cancelled.
    private func showProgress() async {
        guard isatty(STDERR_FILENO) == 1 else { return }
        try? await nodeOptions.withClient(defaultTimeoutMilliseconds: 1_000) { client in
            var shown = false
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                guard let progress = try? await client.health().materializing else { continue }
                StandardError.rewriteLine("materializing \(progress.featureView) (view \(progress.viewsDone + 1) of \(progress.viewsTotal)): \(progress.entitiesWritten) entity rows written")
                shown = true
            }
            if shown { StandardError.rewriteLine("") }
        }
    }
}
