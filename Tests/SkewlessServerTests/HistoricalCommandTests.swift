import Foundation
import Skewless
import SkewlessModel
import Testing

/// `fsctl historical`, `fsctl ingest` and `fsctl compact` as a new user runs them: the real
/// binary, a real store on disk. Each trap of issue 18 that used to pass silently (exit 0,
/// every row NOT_FOUND, CSV in a .parquet file) has a test here.
// One test at a time: each starts a node or several fsctl processes, and all of them at once
// on 2 cores made timing-sensitive tests of other suites miss their deadlines.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HistoricalCommandTests {
    static var repo: String { TestNode.packageRoot.appendingPathComponent("examples/feature_repo").path }

    /// A directory with a store holding the fraud_detection_v1 views: `user_transactions`
    /// (users 1 and 2 at 2026-11-21T10:00:00Z, created 10:05), `merchant_risk` and
    /// `user_merchant_stats`.
    static func withStore(_ body: (URL, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-fsctl-historical-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = directory.appendingPathComponent("store").path
        try write(directory, "transactions.csv", """
            user_id,event_time,created_time,txn_count_1h
            1,2026-11-21T10:00:00Z,2026-11-21T10:05:00Z,5
            2,2026-11-21T10:00:00Z,2026-11-21T10:05:00Z,7

            """)
        try write(directory, "risk.jsonl", """
            {"merchant_id": "m-1", "event_time": "2026-11-21T10:00:00Z", "risk_score": 0.25}

            """)
        try write(directory, "stats.csv", """
            user_id,merchant_id,event_time,txn_count_30d
            1,m-1,2026-11-21T10:00:00Z,3

            """)
        for (view, file) in [("user_transactions", "transactions.csv"), ("merchant_risk", "risk.jsonl"), ("user_merchant_stats", "stats.csv")] {
            let (status, _, errors) = try await fsctl(["ingest", view, directory.appendingPathComponent(file).path, "--store", store], in: directory)
            try #require(status == 0, "ingest \(view): \(errors)")
        }
        try await body(directory, store)
    }

    static func write(_ directory: URL, _ name: String, _ text: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Runs fsctl with the sample repo; returns its exit status, output and errors.
    static func fsctl(_ arguments: [String], in directory: URL) async throws -> (Int32, String, String) {
        let process = try FSCtlProcess(arguments + ["--repo", repo], in: directory)
        defer { process.stop() }
        let status = try await process.exitStatus(within: .seconds(60))
        return (status, process.output, process.errors)
    }

    static func historical(_ directory: URL, store: String, labels: String, out: String = "-", extra: [String] = []) async throws -> (Int32, String, String) {
        try write(directory, "labels.csv", labels)
        return try await fsctl(["historical", "--labels", directory.appendingPathComponent("labels.csv").path, "--service", "fraud_detection_v1", "--out", out, "--store", store] + extra, in: directory)
    }

    static let labels = "user_id,merchant_id,timestamp\n1,m-1,2026-11-21T11:00:00Z\n2,m-2,2026-11-21T11:00:00Z\n"

    @Test func aMissingStoreIsAnError() async throws {
        try await Self.withStore { directory, store in
            let (status, output, errors) = try await Self.historical(directory, store: store + "-mistyped", labels: Self.labels)
            #expect(status != 0)
            #expect(output.isEmpty)
            #expect(errors.contains("there is no offline store at"), "\(errors)")
        }
    }

    @Test func aViewTheStoreHasNothingOfIsAnError() async throws {
        try await Self.withStore { directory, store in
            try FileManager.default.removeItem(atPath: store + "/views/merchant_risk@1")
            let (status, _, errors) = try await Self.historical(directory, store: store, labels: Self.labels)
            #expect(status != 0)
            #expect(errors.contains("merchant_risk@1 has no rows in the offline store"), "\(errors)")
        }
    }

    @Test func labelsWhoseKeysMatchNothingGetAWarningNamingTheView() async throws {
        try await Self.withStore { directory, store in
            let (status, output, errors) = try await Self.historical(directory, store: store, labels: "user_id,merchant_id,timestamp\n1,m-9,2026-11-21T11:00:00Z\n", extra: ["--status"])
            #expect(status == 0, "\(errors)")
            #expect(errors.contains("warning: none of the 1 label rows has a key of merchant_risk@1"), "\(errors)")
            #expect(!errors.contains("user_transactions@1 ("), "user 1 matches: no warning for its view: \(errors)")
            #expect(output.contains(",5,PRESENT,"), "\(output)")
        }
    }

    @Test(arguments: [("1763719200", "seconds"), ("1763719200000", "milliseconds")])
    func labelTimesInSecondsOrMillisecondsAreRefusedWithIngestsMessage(time: String, unit: String) async throws {
        try await Self.withStore { directory, store in
            let (status, output, errors) = try await Self.historical(directory, store: store, labels: "user_id,merchant_id,timestamp\n1,m-1,\(time)\n")
            #expect(status != 0)
            #expect(output.isEmpty)
            #expect(errors.contains("when read as microseconds, and looks like \(unit): times are microseconds since the epoch"), "\(errors)")
            // The same message as ingest gives for the same number.
            try Self.write(directory, "bad.csv", "user_id,event_time,txn_count_1h\n1,\(time),1\n")
            let (ingestStatus, _, ingestErrors) = try await Self.fsctl(["ingest", "user_transactions", directory.appendingPathComponent("bad.csv").path, "--store", store], in: directory)
            #expect(ingestStatus != 0)
            #expect(ingestErrors.contains("looks like \(unit): times are microseconds since the epoch"), "\(ingestErrors)")
        }
    }

    /// A Feast data source's columns load as they are, and Feast's entity_df time column is
    /// found without --timestamp-column.
    @Test func feastColumnNamesAreAccepted() async throws {
        try await Self.withStore { directory, store in
            try Self.write(directory, "feast.csv", "user_id,event_timestamp,created_timestamp,txn_count_1h\n3,2026-11-21T10:30:00Z,2026-11-21T10:31:00Z,11\n")
            let (ingestStatus, _, ingestErrors) = try await Self.fsctl(["ingest", "user_transactions", directory.appendingPathComponent("feast.csv").path, "--store", store], in: directory)
            #expect(ingestStatus == 0, "\(ingestErrors)")
            let (status, output, errors) = try await Self.historical(directory, store: store, labels: "user_id,merchant_id,event_timestamp\n3,m-1,2026-11-21T11:00:00Z\n")
            #expect(status == 0, "\(errors)")
            #expect(output.hasPrefix("user_id,merchant_id,event_timestamp,txn_count_1h,"), "\(output)")
            #expect(output.contains("\n3,m-1,2026-11-21T11:00:00Z,11,"), "\(output)")
        }
    }

    @Test func parquetIsRefusedWithThePythonPackageNeverWrittenAsCSV() async throws {
        try await Self.withStore { directory, store in
            let out = directory.appendingPathComponent("train.parquet").path
            let (status, _, errors) = try await Self.historical(directory, store: store, labels: Self.labels, out: out, extra: ["--out-format", "csv"])
            #expect(status != 0)
            #expect(errors.contains("pip install ./python") && errors.contains("to_parquet"), "\(errors)")
            #expect(!FileManager.default.fileExists(atPath: out))
            #expect(!FileManager.default.fileExists(atPath: out + ".tmp"))
            try Self.write(directory, "rows.parquet", "not really")
            let (ingestStatus, _, ingestErrors) = try await Self.fsctl(["ingest", "user_transactions", directory.appendingPathComponent("rows.parquet").path, "--store", store], in: directory)
            #expect(ingestStatus != 0)
            #expect(ingestErrors.contains("skewless.ingest_parquet"), "\(ingestErrors)")
        }
    }

    /// Each view's chosen event time is a column, so a feature's age at the label's time can
    /// be computed; statuses are spelled as everywhere else.
    @Test func trainingSetsCarryEachViewsChosenEventTime() async throws {
        try await Self.withStore { directory, store in
            let (status, output, errors) = try await Self.historical(directory, store: store, labels: Self.labels, extra: ["--status"])
            #expect(status == 0, "\(errors)")
            let lines = output.split(separator: "\n").map(String.init)
            let header = lines.first?.split(separator: ",").map(String.init) ?? []
            #expect(Array(header.suffix(3)) == ["user_transactions__event_time", "merchant_risk__event_time", "user_merchant_stats__event_time"], "\(header)")
            // 2026-11-21T10:00:00Z for user 1's rows; m-2 and (2, m-2) have none.
            #expect(lines[1].hasSuffix(",1795255200000000,1795255200000000,1795255200000000"), "\(lines[1])")
            #expect(lines[2].hasSuffix(",1795255200000000,,"), "\(lines[2])")
            #expect(lines[2].contains(",NOT_FOUND,"), "\(lines[2])")
            let (_, plain, _) = try await Self.historical(directory, store: store, labels: Self.labels, extra: ["--no-event-times"])
            #expect(!plain.contains("__event_time"))
        }
    }

    /// An output that exists and is not a regular file (a FIFO here; /dev/null in practice) is
    /// written in place: renaming a temporary file over it replaced /dev/null with a file when
    /// a benchmark ran `--out /dev/null` as root.
    @Test func anOutputThatIsNotARegularFileIsWrittenInPlace() async throws {
        try await Self.withStore { directory, store in
            let fifo = directory.appendingPathComponent("set.fifo").path
            try #require(mkfifo(fifo, 0o600) == 0)
            let copy = directory.appendingPathComponent("copy.csv").path
            let reader = try ChildProcess.spawn(ChildProcess.Configuration(executable: "/bin/sh", arguments: ["-c", "cat \"$0\" > \"$1\"", fifo, copy]))
            let (status, _, errors) = try await Self.historical(directory, store: store, labels: Self.labels, out: fifo)
            #expect(status == 0, "\(errors)")
            #expect(reader.waitUntilExit() == .exited(0))
            var info = stat()
            #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "still a FIFO")
            let written = try String(contentsOfFile: copy, encoding: .utf8)
            #expect(written.hasPrefix("user_id,merchant_id,"), "\(written)")
            #expect(!FileManager.default.fileExists(atPath: fifo + ".tmp"))
        }
    }

    /// `fsctl historical --node` (the node joins, over GET_HISTORICAL_FEATURES) writes the
    /// same bytes as the join here.
    @Test func aTrainingSetBuiltByANodeIsTheSameFile() async throws {
        try await Self.withStore { directory, store in
            let labels = "user_id,merchant_id,timestamp,label\n" + (0..<300).map { "\($0 % 4),m-\($0 % 3),2026-11-2\(1 + $0 % 3)T1\($0 % 10):00:00Z,\($0 % 2)" }.joined(separator: "\n") + "\n"
            let (status, local, errors) = try await Self.historical(directory, store: store, labels: labels, extra: ["--status", "--as-of-known-time"])
            #expect(status == 0, "\(errors)")
            try await TestNode.withNode(configure: { $0.segmentsDirectory = store }) { node in
                let (remoteStatus, remote, remoteErrors) = try await Self.historical(directory, store: "/nonexistent", labels: labels, extra: ["--status", "--as-of-known-time", "--node", "127.0.0.1:\(node.port)"])
                #expect(remoteStatus == 0, "\(remoteErrors)")
                #expect(remote == local)
                #expect(local.split(separator: "\n").count == 301)
            }
        }
    }

    @Test func compactMergesAViewsSegmentsKeepingEveryRow() async throws {
        try await Self.withStore { directory, store in
            try Self.write(directory, "more.csv", "user_id,event_time,txn_count_1h\n1,2026-11-21T10:30:00Z,6\n")
            let (ingestStatus, _, ingestErrors) = try await Self.fsctl(["ingest", "user_transactions", directory.appendingPathComponent("more.csv").path, "--store", store], in: directory)
            #expect(ingestStatus == 0, "\(ingestErrors)")
            let (status, output, errors) = try await Self.fsctl(["compact", "user_transactions", "--store", store], in: directory)
            #expect(status == 0, "\(errors)")
            #expect(output.contains("compacted user_transactions@1: 2 segments -> 1, 3 rows"), "\(output)")
            let (again, secondOutput, _) = try await Self.fsctl(["compact", "user_transactions", "--store", store], in: directory)
            #expect(again == 0)
            #expect(secondOutput.contains("1 segment, 3 rows: nothing to compact"), "\(secondOutput)")
            let (missing, _, missingErrors) = try await Self.fsctl(["compact", "user_transactions", "--store", store + "-mistyped"], in: directory)
            #expect(missing != 0)
            #expect(missingErrors.contains("there is no offline store"), "\(missingErrors)")
        }
    }
}
