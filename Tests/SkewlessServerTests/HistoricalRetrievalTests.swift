import Foundation
import Skewless
import SkewlessModel
import SkewlessOfflineStore
import Testing

/// GET_HISTORICAL_FEATURES and INGEST (docs/protocol.md sections 18 and 19) against a real
/// node on 127.0.0.1 with a real offline store, through the SDK.
// One test at a time: each starts a node or several fsctl processes, and all of them at once
// on 2 cores made timing-sensitive tests of other suites miss their deadlines.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HistoricalRetrievalTests {
    static let hour: Int64 = 3_600_000_000
    static let base: Int64 = 1_760_000_000_000_000

    static func withStore<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-historical-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    static func client(_ node: TestNode) -> FeatureClient {
        FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(30) })
    }

    /// Random history of user_transactions (txn_count_1h, txn_amount_24h, some nulls) and
    /// merchant_risk: event times on a coarse grid so that ties happen, created times with ties
    /// too; and labels at rows' times, at TTL boundaries (exactly TTL old, one µs past) and
    /// between, for users and merchants with and without rows.
    struct RandomData {
        var users: [(user: Int64, event: Int64, created: Int64, count: Int64?, amount: Double)] = []
        var merchants: [(merchant: String, event: Int64, created: Int64, score: Float)] = []
        var labelUsers: [Int64] = []
        var labelMerchants: [String] = []
        var labelTimes: [Int64] = []

        init(seed stream: UInt64, labels: Int) {
            var random = TestSeed.generator(stream)
            let ttl = 24 * HistoricalRetrievalTests.hour
            for user in Int64(1)...40 {
                for _ in 0..<Int(random.next() % 6) {
                    let event = HistoricalRetrievalTests.base + Int64(random.next() % 8) * 6 * HistoricalRetrievalTests.hour
                    let created = event + Int64(random.next() % 3) * HistoricalRetrievalTests.hour
                    users.append((user, event, created, random.next() % 5 == 0 ? nil : Int64(random.next() % 100), Double(random.next() % 10_000) / 100))
                }
            }
            for merchant in 0..<10 {
                for _ in 0..<Int(random.next() % 4) {
                    let event = HistoricalRetrievalTests.base + Int64(random.next() % 16) * 900_000_000
                    merchants.append(("m-\(merchant)", event, event + Int64(random.next() % 2) * 60_000_000, Float(random.next() % 100) / 100))
                }
            }
            for _ in 0..<labels {
                labelUsers.append(Int64(random.next() % 45) + 1)
                labelMerchants.append("m-\(random.next() % 12)")
                let anchor = users.isEmpty ? HistoricalRetrievalTests.base : users[Int(random.next() % UInt64(users.count))].event
                let offsets: [Int64] = [0, -1, 1, ttl, ttl + 1, 3 * HistoricalRetrievalTests.hour, 2 * ttl, 2 * HistoricalRetrievalTests.hour]
                labelTimes.append(anchor + offsets[Int(random.next() % UInt64(offsets.count))])
            }
        }

        func ingest(into directory: String) throws {
            let repo = try TestNode.sampleRepo()
            let transactions = try repo.featureView(qualified: "user_transactions")
            var session = try OfflineStore(directory: directory).beginIngest(view: transactions, joinKeys: repo.joinKeys(of: transactions), nowMicros: WallClock.nowMicros())
            for (index, row) in users.enumerated() {
                var values: [FeatureValue?] = Array(repeating: nil, count: transactions.fields.count)
                values[0] = row.count.map(FeatureValue.int64)
                values[2] = .double(row.amount)
                try session.append(key: EntityKey(.int64(row.user)), eventTime: row.event, createdTime: row.created, values: values)
                // Two segments, so that candidates from several are combined.
                if index == users.count / 2 {
                    _ = try session.commit()
                    session = try OfflineStore(directory: directory).beginIngest(view: transactions, joinKeys: repo.joinKeys(of: transactions), nowMicros: WallClock.nowMicros())
                }
            }
            _ = try session.commit()
            let risk = try repo.featureView(qualified: "merchant_risk")
            let riskSession = try OfflineStore(directory: directory).beginIngest(view: risk, joinKeys: repo.joinKeys(of: risk), nowMicros: WallClock.nowMicros())
            for row in merchants {
                var values: [FeatureValue?] = Array(repeating: nil, count: risk.fields.count)
                values[1] = .float(row.score)
                try riskSession.append(key: EntityKey(.string(row.merchant)), eventTime: row.event, createdTime: row.created, values: values)
            }
            _ = try riskSession.commit()
        }

        var trainingLabels: TrainingLabels {
            get throws {
                var labels = TrainingLabels(timesMicros: labelTimes)
                try labels.setKey("user_id", labelUsers)
                try labels.setKey("merchant_id", labelMerchants)
                return labels
            }
        }
    }

    static let features = ["user_transactions:txn_count_1h", "merchant_risk:risk_score", "user_transactions:txn_amount_24h"]

    /// The node's answer, asked in chunks of a few hundred bytes and pages of 7 rows, equals
    /// what `fsctl historical` computes here (`OfflineStore.trainingSet`), value for value,
    /// status for status and event time for event time, with and without as-of-known-time.
    @Test(arguments: [false, true])
    func theNodesTrainingSetEqualsTheStoresForRandomDataWithTiesAndTTLBoundaries(asOfKnownTime: Bool) async throws {
        let data = RandomData(seed: asOfKnownTime ? 181 : 180, labels: 400)
        try await Self.withStore { directory in
            try data.ingest(into: directory)
            let repo = try TestNode.sampleRepo()
            let resolved = try Self.features.map { try repo.resolve(FeatureReference(parsing: $0)) }
            let expected = try OfflineStore(directory: directory).trainingSet(
                labels: HistoricalLabels(keys: ["user_id": .int64(data.labelUsers), "merchant_id": .string(data.labelMerchants)], times: data.labelTimes),
                features: resolved, joinKeys: { repo.joinKeys(of: $0) }, asOfKnownTime: asOfKnownTime)
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                let answer = try await client.getHistoricalFeatures(
                    features: Self.features, labels: data.trainingLabels, asOfKnownTime: asOfKnownTime, timeout: .seconds(60), chunkBytes: 500, pageRows: 7)
                #expect(answer.count == data.labelTimes.count)
                #expect(answer.featureNames == resolved.map(\.qualifiedName))
                #expect(answer.viewNames == ["user_transactions@1", "merchant_risk@1"])
                var statuses = Set<ValueStatus>()
                for (column, expectedColumn) in expected.columns.enumerated() {
                    for row in 0..<data.labelTimes.count {
                        #expect(answer.status(column: column, row: row) == expectedColumn.statuses[row], "\(TestSeed.note) column \(column) row \(row)")
                        #expect(answer.value(column: column, row: row) == (try expectedColumn.value(at: row)), "\(TestSeed.note) column \(column) row \(row)")
                        statuses.insert(expectedColumn.statuses[row])
                    }
                }
                for view in expected.views {
                    #expect(answer.eventTimes(view: view.view.qualifiedName) == view.eventTimes)
                }
                // The data exercises every status a training set has.
                #expect(statuses == [.present, .notFound, .nullValue, .outsideTTL])
            }
        }
    }

    /// Rows ingested over the protocol in batches (with created times) are in the training
    /// set the node builds next; a retried batch (same cursor) is not stored twice.
    @Test func ingestedRowsAreInTheNextTrainingSet() async throws {
        try await Self.withStore { directory in
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                var batches: [FeatureColumns] = []
                for batch in 0..<3 {
                    let users = (0..<100).map { Int64(batch * 100 + $0 + 1) }
                    var columns = FeatureColumns(eventTimes: users.map { _ in Self.base })
                    try columns.setKey("user_id", users)
                    try columns.setField("txn_count_1h", int64s: users.map { $0 * 2 }, nullRows: [5])
                    try columns.setCreatedTimes(users.map { _ in Self.base + 1 })
                    batches.append(columns)
                }
                let summary = try await client.ingest(view: "user_transactions", batches: batches)
                #expect(summary.featureView == "user_transactions@1" && summary.rows == 300 && summary.segments == 1)
                var labels = TrainingLabels(timesMicros: Array(repeating: Self.base + Self.hour, count: 302))
                try labels.setKey("user_id", (1...302).map(Int64.init))
                let set = try await client.getHistoricalFeatures(features: ["user_transactions:txn_count_1h"], labels: labels)
                #expect(set.value("txn_count_1h", row: 0) == .int64(2))
                #expect(set.status("txn_count_1h", row: 5) == .nullValue)
                #expect(set.value("user_transactions:txn_count_1h", row: 299) == .int64(600))
                #expect(set.status("txn_count_1h", row: 300) == .notFound)
                #expect(set.eventTime(view: "user_transactions", row: 0) == Self.base)
                #expect(set.eventTime(view: "user_transactions", row: 301) == nil)
                #expect(set.warnings.isEmpty)
                let stored = try OfflineStore(directory: directory).snapshot(of: try node.server.repo.featureView(qualified: "user_transactions"), joinKeys: node.server.repo.joinKeys(of: try node.server.repo.featureView(qualified: "user_transactions")))
                #expect(stored.rowCount == 300)
            }
        }
    }

    /// Each bad input is refused with a message that says what is wrong, and the ingestion
    /// it was part of stores nothing, earlier good batches included; the view is free again.
    @Test func badIngestionsAreRefusedClearlyAndStoreNothing() async throws {
        try await Self.withStore { directory in
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                func good(_ users: [Int64]) throws -> FeatureColumns {
                    var columns = FeatureColumns(eventTimes: users.map { _ in Self.base })
                    try columns.setKey("user_id", users)
                    try columns.setField("txn_count_1h", int64s: users)
                    return columns
                }
                await #expect(throws: SkewlessError.self) { _ = try await client.ingest(view: "no_such_view", batches: [try good([1])]) }
                do {
                    _ = try await client.ingest(view: "no_such_view", batches: [try good([1])])
                } catch let error as SkewlessError {
                    #expect(error.code == .notFound)
                }
                // A wrong type in the second batch: the first is not stored either.
                var wrongType = FeatureColumns(eventTimes: [Self.base])
                try wrongType.setKey("user_id", [Int64(2)])
                try wrongType.setField("txn_count_1h", doubles: [1.5])
                do {
                    _ = try await client.ingest(view: "user_transactions", batches: [try good([1]), wrongType])
                    Issue.record("a double for an int64 field was stored")
                } catch let error as SkewlessError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains("txn_count_1h") && error.message.contains("nothing of it was stored"), "\(error.message)")
                }
                // Event times in seconds.
                var seconds = FeatureColumns(eventTimes: [1_760_000_000])
                try seconds.setKey("user_id", [Int64(3)])
                do {
                    _ = try await client.ingest(view: "user_transactions", batches: [seconds])
                    Issue.record("event times in seconds were stored")
                } catch let error as SkewlessError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains("looks like seconds"), "\(error.message)")
                }
                // An unknown field.
                var unknown = FeatureColumns(eventTimes: [Self.base])
                try unknown.setKey("user_id", [Int64(4)])
                try unknown.setField("txn_count_2h", int64s: [1])
                do {
                    _ = try await client.ingest(view: "user_transactions", batches: [unknown])
                    Issue.record("an unknown field was stored")
                } catch let error as SkewlessError {
                    #expect(error.code == .notFound)
                    #expect(error.message.contains("txn_count_1h"), "the message lists the view's fields: \(error.message)")
                }
                let view = try node.server.repo.featureView(qualified: "user_transactions")
                let snapshot = try OfflineStore(directory: directory).snapshot(of: view, joinKeys: node.server.repo.joinKeys(of: view))
                #expect(snapshot.rowCount == 0)
                // The failed ingestions released the view: a good one goes through.
                let summary = try await client.ingest(view: "user_transactions", batches: [try good([7, 8])])
                #expect(summary.rows == 2)
            }
        }
    }

    /// What used to answer every row NOT_FOUND silently: a view the store has nothing of is
    /// NOT_FOUND; label times in milliseconds are refused; labels whose keys match nothing
    /// come back with a warning naming the view. A node without a store says so.
    @Test func historicalQueriesThatCannotBeRightAreRefusedOrWarned() async throws {
        try await Self.withStore { directory in
            try RandomData(seed: 182, labels: 1).ingest(into: directory)
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                var labels = TrainingLabels(timesMicros: [Self.base, Self.base])
                try labels.setKey("user_id", [Int64(9_001), 9_002])
                do {
                    _ = try await client.getHistoricalFeatures(features: ["user_profile@1:country"], labels: labels)
                    Issue.record("a view with no rows in the store answered")
                } catch let error as SkewlessError {
                    #expect(error.code == .notFound)
                    #expect(error.message.contains("user_profile@1 has no rows in the offline store"), "\(error.message)")
                }
                let unmatched = try await client.getHistoricalFeatures(features: ["user_transactions:txn_count_1h"], labels: labels)
                #expect(unmatched.statuses("txn_count_1h") == [.notFound, .notFound])
                #expect(unmatched.warnings.count == 1)
                #expect(unmatched.warnings.first?.contains("none of the 2 label rows has a key of user_transactions@1") == true, "\(unmatched.warnings)")
                var milliseconds = TrainingLabels(timesMicros: [1_760_000_000_000])
                try milliseconds.setKey("user_id", [Int64(1)])
                do {
                    _ = try await client.getHistoricalFeatures(features: ["user_transactions:txn_count_1h"], labels: milliseconds)
                    Issue.record("label times in milliseconds answered")
                } catch let error as SkewlessError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains("looks like milliseconds"), "\(error.message)")
                }
                var noKey = TrainingLabels(timesMicros: [Self.base])
                try noKey.setKey("merchant_id", ["m-1"])
                do {
                    _ = try await client.getHistoricalFeatures(features: ["user_transactions:txn_count_1h"], labels: noKey)
                    Issue.record("labels without user_id answered")
                } catch let error as SkewlessError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains("user_id"), "\(error.message)")
                }
            }
            try await TestNode.withNode(configure: { $0.segmentsDirectory = nil }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                var labels = TrainingLabels(timesMicros: [Self.base])
                try labels.setKey("user_id", [Int64(1)])
                do {
                    _ = try await client.getHistoricalFeatures(features: ["user_transactions:txn_count_1h"], labels: labels)
                    Issue.record("a node without a store answered")
                } catch let error as SkewlessError {
                    #expect(error.code == .failedPrecondition)
                    #expect(error.message.contains("--segments"), "\(error.message)")
                }
            }
        }
    }

    /// A query larger than the node's budget is refused with the size to split it into, and
    /// holds nothing afterwards; one that fits then runs.
    @Test func aQueryOverTheMemoryBudgetIsRefusedWithTheSizeToSplitInto() async throws {
        try await Self.withStore { directory in
            try RandomData(seed: 183, labels: 1).ingest(into: directory)
            try await TestNode.withNode(configure: { $0.segmentsDirectory = directory; $0.historicalMemoryBytes = 1 << 20 }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                var big = TrainingLabels(timesMicros: Array(repeating: Self.base, count: 20_000))
                try big.setKey("user_id", Array(repeating: Int64(1), count: 20_000))
                do {
                    _ = try await client.getHistoricalFeatures(features: ["user_transactions:txn_count_1h"], labels: big)
                    Issue.record("a query over the budget ran")
                } catch let error as SkewlessError {
                    #expect(error.code == .resourceExhausted)
                    #expect(error.message.contains("split the labels into queries of at most"), "\(error.message)")
                }
                var small = TrainingLabels(timesMicros: Array(repeating: Self.base, count: 1_000))
                try small.setKey("user_id", Array(repeating: Int64(1), count: 1_000))
                let answer = try await client.getHistoricalFeatures(features: ["user_transactions:txn_count_1h"], labels: small)
                #expect(answer.count == 1_000)
            }
        }
    }
}
