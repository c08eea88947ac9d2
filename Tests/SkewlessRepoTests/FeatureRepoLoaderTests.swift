import Foundation
import SkewlessModel
import Testing

@testable import SkewlessRepo

@Suite struct FeatureRepoLoaderTests {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var sampleRepoPath: String { packageRoot.appendingPathComponent("examples/feature_repo").path }

    // MARK: - The sample repo

    @Test func sampleRepoLoads() throws {
        let repo = try FeatureRepoLoader.load(path: Self.sampleRepoPath)
        #expect(repo.project == "skewless_demo")
        #expect(Set(repo.entities.map(\.name)) == ["user", "merchant", "user_merchant", "item"])
        #expect(repo.entity(named: "user_merchant")?.joinKeys == [
            JoinKey(name: "user_id", type: .int64), JoinKey(name: "merchant_id", type: .string),
        ])
        #expect(repo.entity(named: "merchant")?.joinKeys == [JoinKey(name: "merchant_id", type: .string)])
        #expect(repo.entity(named: "item")?.joinKeys == [JoinKey(name: "item_id", type: .int64)])
        #expect(repo.featureViews.map(\.qualifiedName) == [
            "bench_embedding768@1", "bench_float10@1", "bench_float250@1", "bench_float50@1", "item_embedding@1", "merchant_risk@1",
            "user_merchant_stats@1", "user_profile@1", "user_profile@2", "user_transactions@1",
        ])
        #expect(Set(repo.featureServices.map(\.name)) == [
            "fraud_detection_v1", "recommendation_v1", "bench_1x50", "bench_1x250", "bench_embedding768",
        ])
    }

    @Test func sampleUserProfileHasEveryType() throws {
        let repo = try FeatureRepoLoader.load(path: Self.sampleRepoPath)
        let v1 = try #require(repo.featureView(named: "user_profile", version: 1))
        #expect(v1.ttlSeconds == 30 * 86_400)
        #expect(v1.stalenessPolicy == .serveFlagged)
        #expect(v1.entities == ["user"])
        #expect(v1.fields.map(\.name) == [
            "is_premium", "age", "lifetime_orders", "avg_order_value", "credit_score", "country", "avatar_hash",
            "last_login", "recent_item_ids", "segments",
        ])
        #expect(v1.fields.map(\.type) == [.bool, .int32, .int64, .float, .double, .string, .bytes, .timestamp, .int64List, .stringList])
        #expect(v1.fields.map(\.defaultValue) == [.bool(false), nil, .int64(0), .float(0), nil, .string("unknown"), nil, nil, nil, nil])

        let v2 = try #require(repo.featureView(named: "user_profile", version: 2))
        #expect(repo.featureView(named: "user_profile")?.version == 2)
        #expect(v2.fieldIndex(named: "age") == nil)
        #expect(v2.fields.first { $0.name == "age_bucket" }?.type == .string)
        #expect(v2.fields.count == v1.fields.count)
    }

    @Test func sampleViews() throws {
        let repo = try FeatureRepoLoader.load(path: Self.sampleRepoPath)
        let transactions = try #require(repo.featureView(named: "user_transactions"))
        #expect(transactions.ttlSeconds == 86_400)
        #expect(transactions.stalenessPolicy == .serveDefault)
        #expect(transactions.fields.map(\.name) == ["txn_count_1h", "txn_count_24h", "txn_amount_24h", "avg_txn_amount_7d", "distinct_merchants_7d"])
        #expect(transactions.fields.map(\.type) == [.int64, .int64, .double, .float, .int32])
        #expect(transactions.fields.allSatisfy { $0.defaultValue != nil })

        let risk = try #require(repo.featureView(named: "merchant_risk"))
        #expect(risk.ttlSeconds == 3_600)
        #expect(risk.stalenessPolicy == .failClosed)
        #expect(risk.owner == "fraud-team")
        #expect(risk.entities == ["merchant"])
        #expect(risk.fields.map(\.name) == ["chargeback_rate_30d", "risk_score", "is_blocked"])
        #expect(risk.fields.map(\.type) == [.double, .float, .bool])

        let pairs = try #require(repo.featureView(named: "user_merchant_stats"))
        #expect(pairs.entities == ["user_merchant"])
        #expect(pairs.ttlSeconds == 7 * 86_400)
        #expect(repo.joinKeys(of: pairs).map(\.name) == ["user_id", "merchant_id"])
        #expect(pairs.fields == [
            Field(name: "txn_count_30d", type: .int64, defaultValue: .int64(0)),
            Field(name: "last_txn_amount", type: .double),
        ])

        let items = try #require(repo.featureView(named: "item_embedding"))
        #expect(items.entities == ["item"])
        #expect(items.fields.map(\.type) == [.embedding(dimension: 64), .string])

        let float50 = try #require(repo.featureView(named: "bench_float50"))
        #expect(float50.fields.map(\.name) == (0..<50).map { $0 < 10 ? "f0\($0)" : "f\($0)" })
        #expect(float50.fields.allSatisfy { $0.type == .float && $0.defaultValue == .float(0) })
        let float10 = try #require(repo.featureView(named: "bench_float10"))
        #expect(float10.fields.map(\.name) == (0..<10).map { "f0\($0)" })
        #expect(float10.fields.allSatisfy { $0.type == .float && $0.defaultValue == .float(0) })
        let float250 = try #require(repo.featureView(named: "bench_float250"))
        #expect(float250.fields.map(\.name) == (0..<250).map { "f" + String(repeating: "0", count: 3 - String($0).count) + String($0) })
        #expect(float250.fields.allSatisfy { $0.type == .float && $0.defaultValue == .float(0) })
        #expect(repo.featureView(named: "bench_embedding768")?.fields == [Field(name: "embedding", type: .embedding(dimension: 768))])
        #expect(repo.featureView(named: "bench_embedding768")?.entities == ["item"])
    }

    @Test func sampleServices() throws {
        let repo = try FeatureRepoLoader.load(path: Self.sampleRepoPath)
        #expect(try repo.resolve(service: "fraud_detection_v1").map(\.qualifiedName) == [
            "user_transactions@1:txn_count_1h", "user_transactions@1:txn_count_24h", "user_transactions@1:txn_amount_24h",
            "user_transactions@1:avg_txn_amount_7d", "user_transactions@1:distinct_merchants_7d",
            "merchant_risk@1:risk_score", "merchant_risk@1:chargeback_rate_30d", "user_merchant_stats@1:txn_count_30d",
        ])
        #expect(try repo.resolve(service: "recommendation_v1").map(\.qualifiedName) == [
            "user_profile@1:country", "user_profile@1:segments", "user_profile@1:lifetime_orders",
            "item_embedding@1:embedding", "item_embedding@1:category",
        ])
        #expect(try repo.resolve(service: "bench_1x50").map(\.field.name) == repo.featureView(named: "bench_float50")?.fields.map(\.name))
        #expect(try repo.resolve(service: "bench_1x250").map(\.field.name) == repo.featureView(named: "bench_float250")?.fields.map(\.name))
        #expect(try repo.resolve(service: "bench_embedding768").map(\.qualifiedName) == ["bench_embedding768@1:embedding"])
    }

    @Test func sampleRepoPathWithTrailingSlashLoadsTheSame() throws {
        #expect(try FeatureRepoLoader.load(path: Self.sampleRepoPath + "/") == FeatureRepoLoader.load(path: Self.sampleRepoPath))
    }

    /// The complete example of docs/feature-repo.md (its ```yaml blocks, one file each) loads.
    @Test func documentedExampleLoads() throws {
        let markdown = try String(contentsOf: Self.packageRoot.appendingPathComponent("docs/feature-repo.md"), encoding: .utf8)
        let blocks = markdown.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count == 4)
        var files: [String: String] = [:]
        for (index, block) in blocks.enumerated() { files["\(index).yaml"] = block }
        try withDirectory(files) { directory in
            let repo = try FeatureRepoLoader.load(path: directory)
            #expect(repo.project == "demo")
            #expect(try repo.resolve(service: "fraud_v1").map(\.qualifiedName) == [
                "user_stats@1:txn_count_7d", "user_stats@1:avg_amount", "merchant_risk@1:risk_score",
                "user_merchant_stats@1:txn_count_30d",
            ])
            let stats = try #require(repo.featureView(named: "user_stats"))
            #expect(stats.fields.map(\.defaultValue) == [
                .int64(0), nil, .timestamp(0), .stringList([]), .embedding([0, 0, 0, 0]),
            ])
            #expect(stats.fields.map(\.pii) == [false, false, true, false, false])
            let access = try #require(repo.access)
            #expect(access.groups["risk-team"] == ["fraud-scorer", "alice@example.com"])
            #expect(access.grants.map(\.to) == [["group:risk-team"], ["recsys"], ["*"]])
        }
    }

    // MARK: - Directories and files

    @Test func mergesFilesInOrderOfName() throws {
        try withDirectory([
            "b_views.yaml": """
                feature_views:
                  - name: stats
                    entities: [user]
                    ttl: 1h
                    fields: [{name: a, type: int64}]
                """,
            "a_project.yml": """
                project: merged
                entities:
                  - {name: user, join_keys: [{name: user_id, type: int64}]}
                """,
            "c_services.yaml": "feature_services:\n  - {name: svc, features: [stats:a]}\n",
            "notes.txt": "not: [yaml",
            ".hidden.yaml": "not: [yaml",
        ]) { directory in
            let repo = try FeatureRepoLoader.load(path: directory)
            #expect(repo.project == "merged")
            #expect(repo.featureView(named: "stats") != nil)
            #expect(try repo.resolve(service: "svc").map(\.qualifiedName) == ["stats@1:a"])
        }
    }

    @Test func anErrorInTheSecondFileNamesIt() throws {
        try withDirectory([
            "1_project.yaml": "project: demo\nentities:\n  - {name: user, join_keys: [{name: user_id, type: int64}]}\n",
            "2_views.yaml": "feature_views:\n  - name: stats\n    entities: [user]\n    ttl: 1hour\n    fields: [{name: a, type: int64}]\n",
        ]) { directory in
            let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: directory) }
            #expect(error?.file == directory + "/2_views.yaml")
            #expect(error?.line == 4)
            #expect(error?.column == 10)
            #expect(error?.message.contains("'1hour' is not a duration") == true)
        }
    }

    @Test func aSemanticErrorPointsIntoTheFileThatHasTheReference() throws {
        try withDirectory([
            "1_project.yaml": "project: demo\nentities:\n  - {name: user, join_keys: [{name: user_id, type: int64}]}\n",
            "2_views.yaml": "feature_views:\n  - name: stats\n    entities: [user]\n    ttl: 1h\n    fields: [{name: a, type: int64}]\n",
            "3_services.yaml": "feature_services:\n  - name: svc\n    features:\n      - stats:b\n",
        ]) { directory in
            let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: directory) }
            #expect(error?.file == directory + "/3_services.yaml")
            #expect(error?.line == 4)
            #expect(error?.message.contains("has no field 'b'") == true)
        }
    }

    @Test func duplicateAcrossFilesNamesBothPlaces() throws {
        try withDirectory([
            "a.yaml": "project: demo\nentities:\n  - {name: user, join_keys: [{name: user_id, type: int64}]}\n",
            "b.yaml": "entities:\n  - name: user\n    join_keys: [{name: user_id, type: int64}]\n",
        ]) { directory in
            let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: directory) }
            #expect(error?.description == "\(directory)/b.yaml:2:11: entity 'user' is defined twice (first at \(directory)/a.yaml:3:12)")
        }
    }

    @Test func projectInTwoFiles() throws {
        try withDirectory([
            "a.yaml": "project: demo\nentities:\n  - {name: user, join_keys: [{name: user_id, type: int64}]}\n",
            "b.yaml": "project: demo\n",
        ]) { directory in
            let repo = try FeatureRepoLoader.load(path: directory)
            #expect(repo.project == "demo")
        }
        try withDirectory(["a.yaml": "project: demo\n", "b.yaml": "\n\nproject: other\n"]) { directory in
            let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: directory) }
            #expect(error?.file == directory + "/b.yaml")
            #expect(error?.line == 3)
            #expect(error?.message.contains("project is 'other' here but 'demo' at \(directory)/a.yaml:1:10") == true)
        }
    }

    @Test func noProjectNamesTheDirectory() throws {
        try withDirectory(["a.yaml": "entities: []\n"]) { directory in
            let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: directory) }
            #expect(error?.file == directory)
            #expect(error?.line == nil)
            #expect(error?.message.contains("no 'project'") == true)
        }
    }

    @Test func aSingleFile() throws {
        try withDirectory(["repo.conf": "project: single\n"]) { directory in
            let repo = try FeatureRepoLoader.load(path: directory + "/repo.conf")
            #expect(repo.project == "single")
        }
    }

    @Test func aDirectoryWithoutYAML() throws {
        try withDirectory(["README.md": "# nothing", "sub.yaml/inner.yaml": "project: nested\n"]) { directory in
            let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: directory) }
            #expect(error?.file == directory)
            #expect(error?.line == nil)
            #expect(error?.message.contains("no feature repo files in this directory: expected files named *.yaml or *.yml") == true)
        }
    }

    @Test func aMissingPath() {
        let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: "/nonexistent/feature_repo") }
        #expect(error?.description == "/nonexistent/feature_repo: no such file or directory: pass a directory of feature repo YAML files, or one YAML file")
    }

    @Test func anUnreadableFile() throws {
        try withDirectory(["a.yaml": "project: demo\n"]) { directory in
            // A link to nothing is listed but cannot be read, whoever runs the tests (even root).
            try FileManager.default.createSymbolicLink(atPath: directory + "/b.yaml", withDestinationPath: directory + "/missing")
            let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: directory) }
            #expect(error?.file == directory + "/b.yaml")
            #expect(error?.line == nil)
            #expect(error?.message.contains("cannot read the file") == true, "\(error?.description ?? "")")
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root reads files whatever their permissions"))
    func aFileWithoutReadPermission() throws {
        try withDirectory(["a.yaml": "project: demo\n"]) { directory in
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: directory + "/a.yaml")
            let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: directory) }
            #expect(error?.file == directory + "/a.yaml")
            #expect(error?.message.contains("cannot read the file: permission denied") == true)
        }
    }

    @Test func aFileThatIsNotUTF8() throws {
        try withDirectory([:]) { directory in
            let path = directory + "/latin1.yaml"
            #expect(FileManager.default.createFile(atPath: path, contents: Data([0x70, 0x3A, 0x20, 0xE9, 0x0A])))
            let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: directory) }
            #expect(error?.description == "\(path): the file is not UTF-8 text: save it as UTF-8")
        }
    }

    /// Runs `body` with a fresh directory holding `files` (name -> contents; a name with a
    /// slash makes a subdirectory), and removes it afterwards.
    func withDirectory(_ files: [String: String], _ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-repo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, contents) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
        }
        try body(directory)
    }
}
