import Foundation
import Skewless
import SkewlessCluster
import SkewlessModel
import SkewlessOfflineStore
@testable import SkewlessServer
import SkewlessWire
import Testing

/// The served-feature log against real nodes: what a node records for sampled reads is
/// what its clients received, sampling follows the rate and keeps reads whole across nodes,
/// a restart keeps what was written, and a full queue or a failing disk drops records
/// (counted) without slowing or failing a read.
@Suite(.timeLimit(.minutes(2)))
struct ServedLogWriterTests {
    static let services: Set<String> = ["fraud_detection_v1", "recommendation_v1"]

    /// The sample repo with `services` logging at `rate`.
    static func repo(rate: Double, services: Set<String> = services) throws -> FeatureRepo {
        let sample = try TestNode.sampleRepo()
        let logged = sample.featureServices.map { service in
            var service = service
            if services.contains(service.name) { service.logSampleRate = rate }
            return service
        }
        return try FeatureRepo(project: sample.project, entities: sample.entities, featureViews: sample.featureViews, featureServices: logged)
    }

    static func client(_ node: TestNode) -> FeatureClient {
        FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(10) })
    }

    /// Rows of every view the two services read; user 3's country is null, user 4 and item
    /// 12 have no rows at all (defaults and NOT_FOUND).
    static func seed(_ client: FeatureClient, now: Int64) async throws {
        let minute: Int64 = 60_000_000
        _ = try await client.write(view: "user_profile@1", rows: [1, 2, 3].map { user in
            FeatureWrite(entity: ["user_id": .int64(user)], eventTime: now - Int64(user) * minute, values: [
                "country": user == 3 ? nil : .string(user == 1 ? "FR" : "DE"), "lifetime_orders": .int64(user * 10),
                "segments": .stringList(["s\(user)", "all"]),
            ])
        })
        _ = try await client.write(view: "item_embedding", rows: [10, 11].map { item in
            FeatureWrite(entity: ["item_id": .int64(item)], eventTime: now - minute, values: [
                "embedding": .embedding((0..<64).map { Float($0 % 7) * Float(item) / 3 }), "category": .string("cat-\(item)"),
            ])
        })
        _ = try await client.write(view: "user_transactions", rows: [1, 2].map { user in
            FeatureWrite(entity: ["user_id": .int64(user)], eventTime: now - 2 * minute, values: [
                "txn_count_1h": .int64(user), "txn_count_24h": .int64(user * 5), "txn_amount_24h": .double(Double(user) * 12.5),
                "avg_txn_amount_7d": .float(Float(user) / 4), "distinct_merchants_7d": .int32(Int32(user)),
            ])
        })
        _ = try await client.write(view: "merchant_risk", rows: [
            FeatureWrite(entity: ["merchant_id": .string("m-1")], eventTime: now - minute, values: ["risk_score": .float(0.25), "chargeback_rate_30d": .double(0.01)]),
        ])
        _ = try await client.write(view: "user_merchant_stats", rows: [
            FeatureWrite(entity: ["user_id": .int64(1), "merchant_id": .string("m-1")], eventTime: now - minute, values: ["txn_count_30d": .int64(3)]),
        ])
    }

    /// One read as the client got it.
    struct Read: Sendable {
        var service: String
        var entities: [[String: KeyPart]]
        var features: OnlineFeatures
        var before: Int64
        var after: Int64
    }

    static func read(_ client: FeatureClient, _ service: String, _ entities: [[String: KeyPart]], requestID: String? = nil) async throws -> Read {
        let before = WallClock.nowMicros()
        let features = try await client.getOnlineFeatures(service: service, entities: entities, requestID: requestID)
        return Read(service: service, entities: entities, features: features, before: before, after: WallClock.nowMicros())
    }

    /// Every record is exactly what the client of its read received, row by row, feature by feature.
    static func expectRecords(_ records: [ServedLogRecord], match reads: [Read], node: String, repo: FeatureRepo) throws {
        let byID = Dictionary(grouping: records, by: \.requestID)
        for read in reads {
            let logged = try #require(byID[read.features.requestID]?.first, "no record of read \(read.features.requestID)")
            #expect(byID[read.features.requestID]?.count == 1)
            #expect(logged.service == read.service)
            #expect(logged.node == node)
            #expect(logged.mapEpoch == 0)
            #expect(logged.servedTime >= read.before && logged.servedTime <= read.after)
            #expect(logged.rowCount == read.entities.count)
            #expect(logged.features.map(\.reference) == read.features.featureNames)
            for (column, feature) in logged.features.enumerated() {
                let view = try repo.resolve(FeatureReference(parsing: feature.reference)).view
                for row in 0..<logged.rowCount {
                    let received = read.features[row]
                    #expect(feature.statuses[row] == received.status(at: column), "\(feature.reference) row \(row)")
                    #expect(feature.value(at: row) == received.value(at: column), "\(feature.reference) row \(row)")
                    #expect(feature.eventTimes[row] == (received.eventTime(at: column) ?? 0), "\(feature.reference) row \(row)")
                    let joinKeys = repo.joinKeys(of: view)
                    #expect(logged.entityKey(row: row, joinKeys: joinKeys) == EntityKey(joinKeys.map { read.entities[row][$0.name]! }))
                }
            }
        }
    }

    @Test func theLogHoldsExactlyWhatTheClientReceived() async throws {
        let repo = try Self.repo(rate: 1)
        try await ClusterNodeFixture.withDirectory { store in
            let reads = try await TestNode.withNode(repo: repo, configure: { $0.segmentsDirectory = store; $0.nodeID = "node-s" }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                let now = WallClock.nowMicros()
                try await Self.seed(client, now: now)
                var reads: [Read] = []
                reads.append(try await Self.read(client, "recommendation_v1", [1, 3, 4].map { ["user_id": .int64($0), "item_id": .int64($0 + 9)] }))
                reads.append(try await Self.read(client, "recommendation_v1", [["user_id": 2, "item_id": 11]], requestID: "prediction-42"))
                reads.append(try await Self.read(client, "fraud_detection_v1", [
                    ["user_id": 1, "merchant_id": "m-1"], ["user_id": 2, "merchant_id": "m-1"], ["user_id": 5, "merchant_id": "m-9"],
                ]))
                // A feature list and a service that logs nothing are not logged.
                _ = try await client.getOnlineFeatures(features: ["user_transactions:txn_count_1h"], entities: [["user_id": 1]])
                _ = try await client.getOnlineFeatures(service: "bench_1x50", entities: [["user_id": 1]])
                // HEALTH counts what was written (the writer flushes twice a second).
                for _ in 0..<200 where (try await client.health().servedLog?.recordsLogged ?? 0) < 3 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let health = try await client.health()
                #expect(health.servedLog?.enabled == true)
                #expect(health.servedLog?.recordsLogged == 3)
                #expect(health.servedLog?.rowsLogged == 7)
                #expect(health.servedLog?.droppedQueueFull == 0 && health.servedLog?.droppedWriteFailed == 0)
                return reads
            }
            #expect(reads[1].features.requestID == "prediction-42")
            let read = try ServedLogReader(store: OfflineStore(directory: store)).read()
            #expect(read.warnings.isEmpty)
            #expect(read.records.count == 3)
            try Self.expectRecords(read.records, match: reads, node: "node-s", repo: repo)
            // Defaults, nulls and missing rows came through as such.
            let statuses = Set(read.records.flatMap { $0.features.flatMap(\.statuses) })
            #expect(statuses.isSuperset(of: [.present, .defaulted, .notFound]))

            // fsctl prints them: a line per served row, the read's id and the values.
            let directory = URL(fileURLWithPath: store)
            let printed = try FSCtlProcess(["served-log", "--store", store, "--service", "recommendation_v1", "--format", "jsonl"], in: directory)
            defer { printed.stop() }
            #expect(try await printed.exitStatus() == 0, "\(printed.errors)")
            let lines = printed.output.split(separator: "\n")
            #expect(lines.count == 4, "\(printed.output)")
            let line = try #require(lines.first { $0.contains("\"request_id\":\"prediction-42\"") })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let features = try #require(object["features"] as? [String: Any])
            let country = try #require(features["user_profile@1:country"] as? [String: Any])
            #expect(country["value"] as? String == "DE" && country["status"] as? String == "PRESENT", "statuses are spelled as the protocol names them in every output")
            let csv = try FSCtlProcess(["served-log", "--store", store, "--format", "csv", "--last", "1h"], in: directory)
            defer { csv.stop() }
            #expect(try await csv.exitStatus() == 0, "\(csv.errors)")
            #expect(csv.output.split(separator: "\n").count == 1 + 7, "a header and 7 served rows")
        }
    }

    @Test func aServiceLogsAboutItsRateOfReadsAndEachReadWhole() async throws {
        let repo = try Self.repo(rate: 0.3)
        var generator = TestSeed.generator(0x5345_5256)
        let ids = (0..<300).map { _ in String(generator.next(), radix: 16) + "-" + String(generator.next(), radix: 16) }
        try await ClusterNodeFixture.withDirectory { store in
            try await TestNode.withNode(repo: repo, configure: { $0.segmentsDirectory = store }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                for id in ids {
                    _ = try await client.getOnlineFeatures(service: "recommendation_v1", entities: [["user_id": 1, "item_id": 10], ["user_id": 2, "item_id": 11]], requestID: id)
                }
            }
            let records = try ServedLogReader(store: OfflineStore(directory: store)).read().records
            let service = try #require(repo.featureService(named: "recommendation_v1"))
            let policy = try #require(ServedLogPolicy(service: service))
            // Exactly the reads whose id hashes under the rate, each with both its rows.
            #expect(Set(records.map(\.requestID)) == Set(ids.filter(policy.samples(requestID:))), "\(TestSeed.note)")
            #expect(records.allSatisfy { $0.rowCount == 2 })
            // About 30%: 90 expected, standard deviation 8.
            #expect((50...130).contains(records.count), "\(records.count) of 300 reads logged at 0.3; \(TestSeed.note)")
        }
    }

    @Test func aRestartKeepsWhatWasWrittenAndLogsOn() async throws {
        let repo = try Self.repo(rate: 1)
        try await ClusterNodeFixture.withDirectory { store in
            var ids: [String] = []
            for round in 0..<2 {
                ids += try await TestNode.withNode(repo: repo, configure: { $0.segmentsDirectory = store }) { node in
                    let client = Self.client(node)
                    defer { Task { await client.close() } }
                    var ids: [String] = []
                    for index in 0..<5 {
                        let features = try await client.getOnlineFeatures(service: "recommendation_v1", entities: [["user_id": .int64(Int64(index)), "item_id": 10]], requestID: "r\(round)-\(index)")
                        ids.append(features.requestID)
                    }
                    return ids
                }
            }
            let read = try ServedLogReader(store: OfflineStore(directory: store)).read()
            #expect(read.warnings.isEmpty)
            #expect(read.records.map(\.requestID) == ids)
            #expect(read.records.map(\.sequence) == Array(1...10))

            // A crash tore the last record: fsctl says where, and prints every row before it.
            let directory = OfflineStore(directory: store).layout.nodeServedLogDirectory(node: "node-1")
            let newest = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".slog") }.sorted().last)
            let handle = try #require(FileHandle(forUpdatingAtPath: directory + "/" + newest))
            try handle.truncate(atOffset: try handle.seekToEnd() - 5)
            try handle.close()
            let printed = try FSCtlProcess(["served-log", "--store", store, "--format", "csv"], in: URL(fileURLWithPath: store))
            defer { printed.stop() }
            #expect(try await printed.exitStatus() == 0, "\(printed.errors)")
            #expect(printed.output.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] } == ids.dropLast().map { Substring($0) })
            #expect(printed.errors.contains("warning: skipped") && printed.errors.contains(newest), "\(printed.errors)")
        }
    }

    @Test func aFullQueueDropsSampledReadsCountedAndEveryReadIsServed() async throws {
        let repo = try Self.repo(rate: 1)
        try await ClusterNodeFixture.withDirectory { store in
            try await TestNode.withNode(repo: repo, configure: {
                $0.segmentsDirectory = store
                $0.servedLogQueueBytes = 64  // less than any read's frame: every sampled read is dropped
                $0.metricsPort = 0
            }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                _ = try await client.write(view: "user_profile@1", rows: [FeatureWrite(entity: ["user_id": 1], eventTime: WallClock.nowMicros(), values: ["country": .string("FR")])])
                for _ in 0..<50 {
                    let features = try await client.getOnlineFeatures(service: "recommendation_v1", entities: [["user_id": 1, "item_id": 10]])
                    #expect(features[0].string("user_profile@1:country") == "FR")
                }
                let log = try #require(try await client.health().servedLog)
                #expect(log.droppedQueueFull == 50)
                #expect(log.recordsLogged == 0 && log.queuedRecords == 0)
                // The drops are a metric too, for an alert.
                let metrics = try await MetricsExposition.scrape(port: try NodeMetricsTests.metricsPort(node))
                #expect(metrics.value("skewless_served_log_dropped_total", ["reason": "queue_full"]) == 50)
                #expect(metrics.value("skewless_served_log_dropped_total", ["reason": "write_failed"]) == 0)
                #expect(metrics.value("skewless_served_log_records_total") == 0)
            }
            #expect(try ServedLogReader(store: OfflineStore(directory: store)).read().records.isEmpty)
        }
    }

    @Test func aLogThatCannotBeWrittenDropsRecordsCountedAndReadsGoOn() async throws {
        let repo = try Self.repo(rate: 1)
        try await ClusterNodeFixture.withDirectory { store in
            try await TestNode.withNode(repo: repo, configure: {
                $0.segmentsDirectory = store
                $0.nodeID = "node-d"
                $0.servedLogFileBytes = 1  // a new file for every flush
            }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                _ = try await client.getOnlineFeatures(service: "recommendation_v1", entities: [["user_id": 1, "item_id": 10]], requestID: "kept")
                for _ in 0..<200 where (try await client.health().servedLog?.recordsLogged ?? 0) < 1 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                // The disk refuses new files: the node's log directory now leads where no
                // file can be created, even by root.
                let directory = OfflineStore(directory: store).layout.nodeServedLogDirectory(node: "node-d")
                try FileManager.default.moveItem(atPath: directory, toPath: directory + ".moved")
                try FileManager.default.createSymbolicLink(atPath: directory, withDestinationPath: "/proc/self")
                for index in 0..<10 {
                    let features = try await client.getOnlineFeatures(service: "recommendation_v1", entities: [["user_id": .int64(Int64(index)), "item_id": 10]])
                    #expect(features.count == 1)
                }
                for _ in 0..<200 where (try await client.health().servedLog?.droppedWriteFailed ?? 0) < 10 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let log = try #require(try await client.health().servedLog)
                #expect(log.recordsLogged == 1)
                #expect(log.droppedWriteFailed == 10)
                // The disk is back: logging resumes.
                try FileManager.default.removeItem(atPath: directory)
                try FileManager.default.moveItem(atPath: directory + ".moved", toPath: directory)
                _ = try await client.getOnlineFeatures(service: "recommendation_v1", entities: [["user_id": 1, "item_id": 10]], requestID: "after")
            }
            let records = try ServedLogReader(store: OfflineStore(directory: store)).read().records
            #expect(records.map(\.requestID) == ["kept", "after"])
        }
    }

    /// A cluster client reads a service whose views route by three keys: each node gets
    /// the feature list of a group, with the service's name, and logs its rows under the
    /// read's request id, with its map's epoch.
    @Test func aClusterReadIsLoggedByEveryNodeItTouchedUnderOneRequestID() async throws {
        let repo = try Self.repo(rate: 1)
        try await ClusterNodeFixture.withDirectory { directory in
            let store = directory + "/store"
            try await ClusterNodeFixture.withNode("node-a", mapPath: directory + "/a.json", segments: store, repo: repo) { a in
                try await ClusterNodeFixture.withNode("node-b", mapPath: directory + "/b.json", segments: store, repo: repo) { b in
                    let map = try ClusterMap.create(
                        nodes: [
                            ClusterNode(id: NodeID("node-a"), address: NodeAddress(host: "127.0.0.1", port: a.port)),
                            ClusterNode(id: NodeID("node-b"), address: NodeAddress(host: "127.0.0.1", port: b.port)),
                        ],
                        partitionCount: 16, replicationFactor: 1)
                    try await ClusterNodeFixture.install(map, on: a)
                    try await ClusterNodeFixture.install(map, on: b)
                    try await ClusterNodeFixture.waitUntilLoaded(a, map.assignment.partitions(on: try NodeID("node-a")), epoch: map.epoch)
                    try await ClusterNodeFixture.waitUntilLoaded(b, map.assignment.partitions(on: try NodeID("node-b")), epoch: map.epoch)
                    let client = FeatureClient(configuration: try .cluster(seeds: [Endpoint(host: "127.0.0.1", port: a.port)]) { $0.timeout = .seconds(10) })
                    defer { Task { await client.close() } }
                    try await Self.seed(client, now: WallClock.nowMicros())
                    let entities: [[String: KeyPart]] = (1...8).map { ["user_id": .int64($0), "merchant_id": .string("m-\($0 % 3)")] }
                    let features = try await client.getOnlineFeatures(service: "fraud_detection_v1", entities: entities, requestID: "cluster-read")
                    #expect(features[0].int64("user_transactions:txn_count_1h") == 1)
                    // A node refuses a served_service it does not define, or one the features are not of.
                    for service in ["no_such_service", "recommendation_v1"] {
                        var request = Skewless_V1_GetOnlineFeaturesRequest()
                        request.features.features = ["user_transactions:txn_count_1h"]
                        request.servedService = service
                        request.entities = [Skewless_V1_EntityKeyColumn.with { $0.joinKey = "user_id"; $0.int64Values = [1] }]
                        let response = try await RawConnection.with(port: a.port) { try await $0.call(.getOnlineFeatures, request) }
                        #expect(response?.status.code == .notFound, "\(service): \(response?.status.message ?? "no answer")")
                    }
                }
            }
            let records = try ServedLogReader(store: OfflineStore(directory: store)).read().records
            #expect(Set(records.map(\.node)) == ["node-a", "node-b"])
            #expect(records.allSatisfy { $0.requestID == "cluster-read" && $0.service == "fraud_detection_v1" && $0.mapEpoch > 0 })
            // Every feature of every row was served, and logged, exactly once.
            var rowsPerFeature: [String: Int] = [:]
            for record in records {
                for feature in record.features { rowsPerFeature[feature.reference, default: 0] += record.rowCount }
            }
            #expect(rowsPerFeature.count == 8)
            #expect(rowsPerFeature.values.allSatisfy { $0 == 8 })
        }
    }
}
