import Foundation
import Testing

/// `fsctl drift --reference-file` as a user runs it: the real binary, a store filled by
/// `fsctl ingest`, a training set written by `fsctl historical`, compared with a later
/// window of the store.
@Suite(.timeLimit(.minutes(3)))
struct DriftCommandTests {
    /// A store with 200 users of user_transactions in two weeks: txn_count_1h 0...9 in both,
    /// txn_amount_24h 100...119 in the first and 200...219 in the second; and
    /// `training.csv`, what `fsctl historical --status` builds from the first week.
    static func withTrainingSet(_ body: (URL, String, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-fsctl-drift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = directory.appendingPathComponent("store").path
        var rows = "user_id,event_time,txn_count_1h,txn_amount_24h\n"
        var labels = "user_id,timestamp\n"
        for user in 1...200 {
            rows += "\(user),2026-11-01T10:00:00Z,\(user % 10),\(100 + user % 20)\n"
            rows += "\(user),2026-11-10T10:00:00Z,\(user % 10),\(200 + user % 20)\n"
            labels += "\(user),2026-11-01T12:00:00Z\n"
        }
        try HistoricalCommandTests.write(directory, "rows.csv", rows)
        try HistoricalCommandTests.write(directory, "labels.csv", labels)
        let (ingested, _, ingestErrors) = try await HistoricalCommandTests.fsctl(
            ["ingest", "user_transactions", directory.appendingPathComponent("rows.csv").path, "--store", store], in: directory)
        try #require(ingested == 0, "\(ingestErrors)")
        let training = directory.appendingPathComponent("training.csv").path
        let (built, _, buildErrors) = try await HistoricalCommandTests.fsctl(
            ["historical", "--labels", directory.appendingPathComponent("labels.csv").path, "--features", "user_transactions:txn_count_1h,user_transactions:txn_amount_24h",
             "--status", "--out", training, "--store", store], in: directory)
        try #require(built == 0, "\(buildErrors)")
        try await body(directory, store, training)
    }

    @Test func aShiftedFeatureOfTheTrainingSetDriftsAndAStableOneDoesNot() async throws {
        try await Self.withTrainingSet { directory, store, training in
            let (status, output, errors) = try await HistoricalCommandTests.fsctl(
                ["drift", "--store", store, "--view", "user_transactions", "--reference-file", training, "--current", "2026-11-10..2026-11-11"], in: directory)
            #expect(status == 1, "a feature drifted: \(output) \(errors)")
            #expect(output.contains("reference training set \(training),"), "\(output)")
            let lines = output.split(separator: "\n")
            let amount = try #require(lines.first { $0.hasPrefix("user_transactions@1:txn_amount_24h ") })
            #expect(amount.contains("200") && amount.contains("DRIFTED: PSI"), "200 rows each side: \(amount)")
            let count = try #require(lines.first { $0.hasPrefix("user_transactions@1:txn_count_1h ") })
            #expect(count.hasSuffix("  ok"), "\(count)")
            #expect(output.contains("user_transactions@1:txn_count_24h: not compared (the file has no column 'user_transactions__txn_count_24h' or 'txn_count_24h')"), "\(output)")
            #expect(output.contains("1 of 2 features drifted"), "\(output)")
        }
    }

    @Test func aBadCellIsNamedWithTheFileAndLineAndNothingIsCompared() async throws {
        try await Self.withTrainingSet { directory, store, training in
            var text = try String(contentsOfFile: training, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let header = text[0].split(separator: ",").map(String.init)
            let amountColumn = try #require(header.firstIndex(of: "txn_amount_24h"))
            var cells = text[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            cells[amountColumn] = "lots"
            text[3] = cells.joined(separator: ",")
            let broken = directory.appendingPathComponent("broken.csv").path
            try text.joined(separator: "\n").write(toFile: broken, atomically: true, encoding: .utf8)
            let (status, output, errors) = try await HistoricalCommandTests.fsctl(
                ["drift", "--store", store, "--view", "user_transactions", "--reference-file", broken, "--current", "2026-11-10..2026-11-11"], in: directory)
            #expect(status == 2 && output.isEmpty, "\(output) \(errors)")
            #expect(errors.contains("\(broken): row 3 (line 4), column 'txn_amount_24h': "), "\(errors)")

            let (both, _, usage) = try await HistoricalCommandTests.fsctl(
                ["drift", "--store", store, "--view", "user_transactions", "--reference-file", training, "--reference", "2026-11-01..2026-11-02", "--current", "2026-11-10..2026-11-11"],
                in: directory)
            #expect(both == 64 && usage.contains("--reference FROM..TO or --reference-file TRAINING_SET"), "\(usage)")
        }
    }
}
