import Foundation
import Skewless
import SkewlessModel
import SkewlessMonitoring
import SkewlessOfflineStore
import SkewlessRepo
import Testing

/// `fsctl audit` and `ServedAudit` against a real node and store: each cause of a
/// mismatch is planted (a late row, rows the node has not loaded, rows each side of the
/// TTL, defaults, a version mix) and found and classified; a clean run matches everything.
@Suite(.timeLimit(.minutes(2)))
struct ServedAuditTests {
    static let minute: Int64 = 60_000_000
    static let hour: Int64 = 60 * minute
    static let countFeature = "user_transactions@1:txn_count_1h"
    static let countryFeature = "user_profile@1:country"
    static let creditFeature = "user_profile@1:credit_score"

    /// A copy of the sample repo with `audit_svc` (every read logged): txn_count_1h of
    /// user_transactions (TTL `ttl`, serve_default, default 0), country (default "unknown")
    /// of user_profile at `version` and credit_score (no default) of user_profile@1.
    static func repo(in directory: String, _ name: String, ttl: String = "24h", version: Int = 1) throws -> String {
        let path = directory + "/" + name
        let source = TestNode.packageRoot.appendingPathComponent("examples/feature_repo").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: source) where file.hasSuffix(".yaml") {
            var text = try String(contentsOfFile: source + "/" + file, encoding: .utf8)
            if file == "user_features.yaml" { text = text.replacingOccurrences(of: "ttl: 24h", with: "ttl: \(ttl)") }
            try text.write(toFile: path + "/" + file, atomically: true, encoding: .utf8)
        }
        try """
            feature_services:
              - name: audit_svc
                log_sample_rate: 1
                features:
                  - user_transactions:txn_count_1h
                  - "user_profile@\(version):country"
                  - "user_profile@1:credit_score"
            """.write(toFile: path + "/zz_audit.yaml", atomically: true, encoding: .utf8)
        return path
    }

    static func client(_ node: TestNode) -> FeatureClient {
        FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(10) })
    }

    static func writeCount(_ client: FeatureClient, user: Int64, count: Int64, at time: Int64) async throws {
        _ = try await client.write(view: "user_transactions", rows: [
            FeatureWrite(entity: ["user_id": .int64(user)], eventTime: time, values: ["txn_count_1h": .int64(count)]),
        ])
    }

    static func writeProfile(_ client: FeatureClient, user: Int64, version: Int = 1, country: String, at time: Int64) async throws {
        _ = try await client.write(view: "user_profile@\(version)", rows: [
            FeatureWrite(entity: ["user_id": .int64(user)], eventTime: time, values: ["country": .string(country), "credit_score": .double(Double(user))]),
        ])
    }

    static func read(_ client: FeatureClient, users: [Int64]) async throws -> OnlineFeatures {
        try await client.getOnlineFeatures(service: "audit_svc", entities: users.map { ["user_id": .int64($0)] })
    }

    /// A row of user_transactions ingested into the segments behind the node's back: in the
    /// offline store, created now, never loaded by the running node.
    static func ingestCount(_ store: String, repo: FeatureRepo, user: Int64, count: Int64, at time: Int64) throws {
        let view = try repo.featureView(qualified: "user_transactions")
        let field = try #require(view.fieldIndex(named: "txn_count_1h"))
        var values: [FeatureValue?] = Array(repeating: nil, count: view.fields.count)
        values[field] = .int64(count)
        // The node's sealer may hold the view's lock for a moment: try again.
        var session = try? OfflineStore(directory: store).beginIngest(view: view, joinKeys: repo.joinKeys(of: view), nowMicros: WallClock.nowMicros())
        for _ in 0..<50 where session == nil {
            Thread.sleep(forTimeInterval: 0.05)
            session = try? OfflineStore(directory: store).beginIngest(view: view, joinKeys: repo.joinKeys(of: view), nowMicros: WallClock.nowMicros())
        }
        let ingest = try #require(session, "the view stayed locked")
        try ingest.append(key: EntityKey(.int64(user)), eventTime: time, createdTime: nil, values: values)
        _ = try ingest.commit()
    }

    /// The causes found, by (user, feature).
    static func causes(_ report: ServedAudit.Report) -> [String: AuditCause] {
        Dictionary(report.mismatches.map { ("\($0.entity) \($0.feature)", $0.cause) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func aCleanRunMatchesEverything() async throws {
        try await ClusterNodeFixture.withDirectory { directory in
            let store = directory + "/store"
            let path = try Self.repo(in: directory, "repo")
            let repo = try FeatureRepoLoader.load(path: path)
            try await TestNode.withNode(repo: repo, configure: { $0.segmentsDirectory = store }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                let now = WallClock.nowMicros()
                for user: Int64 in 1...3 {
                    try await Self.writeCount(client, user: user, count: user * 10, at: now - Self.minute)
                    try await Self.writeProfile(client, user: user, country: "FR", at: now - Self.hour)
                }
                _ = try await Self.read(client, users: [1, 2, 3])
                _ = try await Self.read(client, users: [3, 2])
            }
            let report = try ServedAudit(repo: repo, store: OfflineStore(directory: store)).run(.init(service: "audit_svc"))
            #expect(report.records == 2 && report.rows == 5)
            #expect(report.checked == 15 && report.matched == 15, "\(report.mismatches)")
            #expect(report.features.map(\.feature) == [Self.countFeature, Self.countryFeature, Self.creditFeature].sorted())
            #expect(report.mismatchRate() == 0)

            let audit = try FSCtlProcess(["audit", "--repo", path, "--store", store, "--service", "audit_svc", "--last", "1h"], in: URL(fileURLWithPath: directory))
            defer { audit.stop() }
            #expect(try await audit.exitStatus() == 0, "\(audit.errors)")
            #expect(audit.output.contains("15 values checked, 100.00% match"), "\(audit.output)")
        }
    }

    /// Data that arrived on either side of the serve time: a row that arrived after it
    /// (late data) and one the store had before it but the node never loaded.
    @Test func aLateRowAndAnUnloadedRowAreFoundAndTold() async throws {
        try await ClusterNodeFixture.withDirectory { directory in
            let store = directory + "/store"
            let repo = try FeatureRepoLoader.load(path: try Self.repo(in: directory, "repo"))
            try await TestNode.withNode(repo: repo, configure: { $0.segmentsDirectory = store }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                let before = WallClock.nowMicros()
                for user: Int64 in [1, 2] {
                    try await Self.writeCount(client, user: user, count: 1, at: before - 10 * Self.minute)
                    try await Self.writeProfile(client, user: user, country: "FR", at: before - Self.hour)
                }
                // User 2's newer count reaches the store, not the node (no materialization).
                try Self.ingestCount(store, repo: repo, user: 2, count: 2, at: before - 5 * Self.minute)
                let served = try await Self.read(client, users: [1, 2])
                #expect(served[1].int64(Self.countFeature) == 1, "the node serves what it loaded")
                // User 1's newer count arrives after it was served, with an event time before.
                try await Self.writeCount(client, user: 1, count: 3, at: before - Self.minute)
            }
            let report = try ServedAudit(repo: repo, store: OfflineStore(directory: store)).run(.init())
            #expect(report.checked == 6 && report.matched == 4)
            #expect(Self.causes(report) == ["1 \(Self.countFeature)": .lateData, "2 \(Self.countFeature)": .materializationLag])
            let late = try #require(report.mismatches.first { $0.cause == .lateData })
            #expect(late.served.value == .int64(1) && late.known.value == .int64(1) && late.pointInTime.value == .int64(3))
            let lag = try #require(report.mismatches.first { $0.cause == .materializationLag })
            #expect(lag.served.value == .int64(1) && lag.known.value == .int64(2))
        }
    }

    /// Definitions at work: rows each side of the TTL under serve_default, defaults for
    /// missing rows, and the audit of another repo: a shorter TTL, and the service moved to
    /// version 2 of a view (a version mix). Then fsctl audit's JSON and exit codes.
    @Test func theTTLDefaultsAndAVersionMixAreFoundAndTold() async throws {
        try await ClusterNodeFixture.withDirectory { directory in
            let store = directory + "/store"
            let path = try Self.repo(in: directory, "repo")
            let repo = try FeatureRepoLoader.load(path: path)
            try await TestNode.withNode(repo: repo, configure: { $0.segmentsDirectory = store }) { node in
                let client = Self.client(node)
                defer { Task { await client.close() } }
                let before = WallClock.nowMicros()
                // User 3 is 10 minutes inside its 24h TTL, user 4 ten minutes past it.
                try await Self.writeCount(client, user: 3, count: 3, at: before - 24 * Self.hour + 10 * Self.minute)
                try await Self.writeCount(client, user: 4, count: 4, at: before - 24 * Self.hour - 10 * Self.minute)
                try await Self.writeCount(client, user: 6, count: 6, at: before - Self.minute)
                for user: Int64 in [3, 4, 6] {
                    try await Self.writeProfile(client, user: user, country: "FR", at: before - Self.hour)
                }
                try await Self.writeProfile(client, user: 6, version: 2, country: "DE", at: before - Self.hour)
                // User 5 has no rows at all.
                let served = try await Self.read(client, users: [3, 4, 5, 6])
                #expect(served[1].status(Self.countFeature) == .defaulted && served[2].string(Self.countryFeature) == "unknown")
            }
            let offline = OfflineStore(directory: store)
            let report = try ServedAudit(repo: repo, store: offline).run(.init())
            #expect(report.checked == 12)
            #expect(Self.causes(report) == [
                "4 \(Self.countFeature)": .ttlOrPolicy,  // serve_default served 0 where training sets have OUTSIDE_TTL
                "5 \(Self.countFeature)": .defaultApplied, "5 \(Self.countryFeature)": .defaultApplied,
            ])

            // The view's TTL is 12h in the repo audited: user 3's row, fresh when served, is not.
            let shorter = try FeatureRepoLoader.load(path: try Self.repo(in: directory, "ttl12h", ttl: "12h"))
            let ttlReport = try ServedAudit(repo: shorter, store: offline).run(.init())
            #expect(Self.causes(ttlReport)["3 \(Self.countFeature)"] == .ttlOrPolicy)
            #expect(Self.causes(ttlReport)["6 \(Self.countFeature)"] == nil)

            // The service reads user_profile@2 now: what @1 served is another version.
            let moved = try FeatureRepoLoader.load(path: try Self.repo(in: directory, "v2", version: 2))
            let versionReport = try ServedAudit(repo: moved, store: offline).run(.init())
            let country = "user_profile@2:country"
            #expect([3, 4, 5, 6].allSatisfy { Self.causes(versionReport)["\($0) \(country)"] == .otherVersion }, "\(versionReport.mismatches)")
            let mixed = try #require(versionReport.mismatches.first { $0.entity == EntityKey(.int64(6)) && $0.feature == country })
            #expect(mixed.servedFeature == Self.countryFeature && mixed.served.value == .string("FR") && mixed.known.value == .string("DE"))

            // fsctl: JSON, exit 1 above the threshold, 0 within it or with the causes ignored, 2 on nothing to audit.
            let url = URL(fileURLWithPath: directory)
            let failing = try FSCtlProcess(["audit", "--repo", path, "--store", store, "--format", "json"], in: url)
            defer { failing.stop() }
            #expect(try await failing.exitStatus() == 1, "\(failing.errors)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(failing.output.utf8)) as? [String: Any], "\(failing.output)")
            #expect(json["checked"] as? Int == 12 && json["matched"] as? Int == 9 && json["passed"] as? Bool == false)
            let mismatches = try #require(json["mismatches"] as? [[String: Any]])
            #expect(mismatches.compactMap { $0["cause"] as? String }.sorted() == ["default_applied", "default_applied", "ttl_or_policy"])
            let tolerant = try FSCtlProcess(["audit", "--repo", path, "--store", store, "--ignore", "default_applied", "--max-mismatch-rate", "0.1"], in: url)
            defer { tolerant.stop() }
            #expect(try await tolerant.exitStatus() == 0, "\(tolerant.errors)")
            #expect(tolerant.output.contains("ttl_or_policy"), "every mismatch is listed, ignored or not: \(tolerant.output)")
            let empty = try FSCtlProcess(["audit", "--repo", path, "--store", store, "--to", "2000-01-01"], in: url)
            defer { empty.stop() }
            #expect(try await empty.exitStatus() == 2, "\(empty.errors)")
        }
    }
}
