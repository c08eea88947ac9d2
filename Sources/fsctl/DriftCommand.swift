import ArgumentParser
import Foundation
import SkewlessModel
import SkewlessMonitoring
import SkewlessOfflineStore
import SkewlessIngest
import SkewlessRepo

/// `fsctl drift`: compares each feature of a view between a reference (a window of the offline
/// store, or a training set file) and a current window (PSI and KS), against the thresholds of the view's
/// `objectives:`, and exits 1 when one drifted, so that cron or CI can alert.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Compare a view's feature distributions between two windows of the offline store (PSI, KS).",
        discussion: """
            The reference is a window of event time the model was trained on, say; the current window is recent rows (--current-last 24h, or --current FROM..TO). Every row written in a window counts, not only the latest per entity. Numeric features get PSI over ten quantile bins of the reference and the KS distance; strings and bools get PSI over their categories. Thresholds come from the view's objectives (max_psi, max_ks in the repo), else PSI 0.25 and KS 0.1.

            With --reference-file TRAINING_SET, the reference is a training set file (CSV or JSON Lines) that fsctl historical or the Python package wrote: every row of it, the values the model was trained on. A field's column is VIEW__FIELD if the file has one, else FIELD; a row counts as null when its cell is empty or its FIELD__status column says no value came with it (NOT_FOUND, NULL_VALUE). Fields without a column are listed as not compared.

            With --current-served SERVICE, the current window is what the nodes served for that feature service (its served-feature log, docs/served-log.md) at serve times in --current or --current-last: the drift between what the model was trained on and what it is served, defaults included. The service needs a log_sample_rate.

            Times are spelled as fsctl put takes them: RFC 3339 (2026-11-01T00:00:00Z), dates (2026-11-01), microseconds since the epoch, now, or now-7d.

            Exit status: 0 no feature drifted; 1 at least one did (or a window held no values of it); 2 or more the comparison could not run (bad arguments, an unreadable store).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    @Option(help: "The feature repo: a directory of YAML files, or one file.")
    var repo: String

    @Option(help: "The offline store's directory.")
    var store: String

    @Option(help: "The view: name or name@version (default: its latest version).")
    var view: String

    @Option(help: "The reference window of event time, FROM..TO (TO excluded).")
    var reference: String?

    @Option(help: "Or the reference as a training set file (CSV or JSON Lines) that fsctl historical or the Python package wrote: every row counts.")
    var referenceFile: String?

    @Option(help: "The format of --reference-file: csv or jsonl (default: from its name).")
    var referenceFormat: InputFormat?

    @Option(help: "The current window of event time, FROM..TO (TO excluded).")
    var current: String?

    @Option(help: "The current window as the last DURATION before now (24h, 7d, ...), instead of --current.")
    var currentLast: String?

    @Option(help: "Take the current window from the values served for this feature service (the served-feature log) rather than from the rows written.")
    var currentServed: String?

    @Option(help: "table (for people) or json (for machines).")
    var format: Format = .table

    @Option(help: "Also write an SVG of the reference and current distributions of the features that drifted most.")
    var svg: String?

    func validate() throws {
        guard (reference == nil) != (referenceFile == nil) else {
            throw ValidationError("give the reference as --reference FROM..TO or --reference-file TRAINING_SET (one of them)")
        }
        if let referenceFile {
            if ColumnarFile.matches(referenceFile) { throw ValidationError(ColumnarFile.refusal(referenceFile, reading: true)) }
            guard referenceFormat != nil || InputFormat(path: referenceFile) != nil else {
                throw ValidationError("cannot tell the format of '\(referenceFile)' from its name: give --reference-format csv or --reference-format jsonl")
            }
        }
        guard (current == nil) != (currentLast == nil) else {
            throw ValidationError("give the current window as --current FROM..TO or --current-last DURATION (one of them)")
        }
    }

    func run() async throws {
        var result: DriftAnalysis.Result?
        // 1 means "drifted": a comparison that could not run exits 2 or more.
        try await CommandFailure.reporting {
            do {
                result = try compare()
            } catch let error as SkewlessError {
                var failure = CommandFailure(error)
                failure.exitCode = max(failure.exitCode, CommandFailure.rejectedInput)
                throw failure
            } catch let error as RepoError {
                throw CommandFailure(error.description, exitCode: CommandFailure.rejectedInput, isPrefixed: false)
            }
            if let svg, let result {
                do {
                    try DriftPlot.svg(result).write(toFile: svg, atomically: true, encoding: .utf8)
                } catch {
                    throw CommandFailure("could not write the plot to \(svg): \(error)", exitCode: CommandFailure.rejectedInput)
                }
            }
        }
        guard let result else { return }
        switch format {
        case .table: print(Self.table(result), terminator: "")
        case .json: print(try Self.json(result))
        }
        if !result.drifted.isEmpty { throw ExitCode(1) }
    }

    private func compare() throws -> DriftAnalysis.Result {
        do {
            let loaded = try FeatureRepoLoader.load(path: repo)
            let target = try loaded.featureView(qualified: view)
            let now = WallClock.nowMicros()
            let referenceSource: DriftAnalysis.Reference
            if let referenceFile {
                let bytes = try InputFile.read(referenceFile)
                let format = referenceFormat ?? InputFormat(path: referenceFile) ?? .csv
                let columns = try TrainingSetColumns.read(bytes, format: format, file: referenceFile, view: target, now: now).get()
                guard columns.values.count > 0 else {
                    throw SkewlessError(
                        .invalidArgument,
                        "\(referenceFile) has no column of any field of \(target.qualifiedName) (looked for \(target.fields.map { "'\($0.name)'" }.joined(separator: ", "))): give the training set fsctl historical wrote for this view's features")
                }
                referenceSource = .trainingSet(file: referenceFile, columns)
            } else {
                referenceSource = .window(try Self.window(reference ?? "", option: "--reference", now: now))
            }
            let currentWindow: DriftAnalysis.Window
            if let currentLast {
                let seconds = try DurationParser.seconds(from: currentLast, option: "--current-last")
                currentWindow = try DriftAnalysis.Window(start: now - seconds * 1_000_000, end: now + 1)
            } else {
                currentWindow = try Self.window(current ?? "", option: "--current", now: now)
            }
            let offline = OfflineStore(directory: store)
            let snapshot = try offline.snapshot(of: target, joinKeys: loaded.joinKeys(of: target))
            // A training set compared with served values needs no rows of the store.
            guard snapshot.rowCount > 0 || (referenceFile != nil && currentServed != nil) else {
                throw SkewlessError(
                    .notFound, "the offline store at \(store) holds no rows of \(target.qualifiedName): check --store and --view (fsctl ingest and the nodes' write logs fill it)")
            }
            let analysis = DriftAnalysis(view: target, reference: referenceSource, current: currentWindow)
            guard let service = currentServed else { return try analysis.run(on: snapshot) }
            _ = try loaded.resolve(service: service)  // an unknown service is named as such
            let read = try ServedLogReader(store: offline).read(.init(from: currentWindow.start, to: currentWindow.end, service: service))
            for warning in read.warnings {
                StandardError.write("warning: \(warning)")
            }
            guard !read.records.isEmpty else {
                throw SkewlessError(
                    .notFound, "the served-feature log at \(store) holds no reads of \(service) served in \(currentWindow): give the service a log_sample_rate in the repo (docs/served-log.md), or widen the window")
            }
            return try analysis.run(on: snapshot, currentServed: read.records, service: service)
        }
    }

    /// FROM..TO, each a time as `fsctl put` spells one (`TimeSyntax`: RFC 3339, a date,
    /// microseconds, `now`, `now-7d`).
    static func window(_ text: String, option: String, now: Int64) throws -> DriftAnalysis.Window {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw SkewlessError(.invalidArgument, "\(option) '\(text)' is not FROM..TO (for example 2026-11-01..2026-11-08, or now-7d..now)")
        }
        func time(_ part: String) throws -> Int64 {
            do {
                return try TimeSyntax.microseconds(from: part, now: now)
            } catch {
                throw SkewlessError(.invalidArgument, "\(option): \(error.message)")
            }
        }
        return try DriftAnalysis.Window(start: time(parts[0]), end: time(parts[1]))
    }

    static func table(_ result: DriftAnalysis.Result) -> String {
        let width = max(7, result.features.map(\.feature.count).max() ?? 0)
        func pad(_ text: String, _ count: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, count - text.count))
            return right ? fill + text : text + fill
        }
        var lines = [
            "\(result.view): reference \(result.reference), current \(result.current); thresholds PSI \(result.maxPSI), KS \(result.maxKS)",
            [pad("feature", width), pad("type", 14), pad("reference", 10, right: true), pad("current", 10, right: true), pad("PSI", 8, right: true),
             pad("KS", 7, right: true), "  verdict"].joined(separator: " "),
        ]
        for feature in result.features {
            let ks = feature.ks.map { String(format: "%.3f", $0) } ?? "-"
            lines.append(
                [pad(feature.feature, width), pad(feature.type, 14), pad(String(feature.referenceCount), 10, right: true),
                 pad(String(feature.currentCount), 10, right: true), pad(String(format: "%.3f", feature.psi), 8, right: true), pad(ks, 7, right: true),
                 "  " + (feature.drifted ? "DRIFTED: \(feature.reason ?? "")" : "ok")].joined(separator: " "))
        }
        for (feature, why) in result.skipped.sorted(by: { $0.key < $1.key }) {
            lines.append("\(feature): not compared (\(why))")
        }
        lines.append(result.drifted.isEmpty ? "no feature drifted" : "\(result.drifted.count) of \(result.features.count) features drifted")
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ result: DriftAnalysis.Result) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(result), as: UTF8.self)
    }
}
