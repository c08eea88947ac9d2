import Foundation
import Skewless
import SkewlessModel
import SkewlessServer
import SkewlessWire
import SwiftProtobuf
import Testing

/// Every method checked against the repo's grants on a node that requires authentication:
/// allowed and denied, PII fields, writes per view, admin methods from a non-admin, with the
/// audit log counting the denials. Principals come from API keys (AuthenticationTests.Keys).
@Suite(.timeLimit(.minutes(3)))
struct AccessControlTests {
    /// fraud-scorer (group fraud-team) reads the fraud service and user_transactions, writes
    /// user_transactions; recsys reads the recommendation service; analyst reads user_profile
    /// and, explicitly, the PII field user_profile@1:age; profiler reads a service with a PII
    /// field without the field's grant; ops is an admin; node-2 a peer; nobody has nothing.
    static let policy = """
        feature_services:
          - name: profile_with_age
            features: ["user_profile@1:country", "user_profile@1:age"]

        access:
          groups:
            fraud-team: [fraud-scorer]
          admins: [ops]
          peers: [node-2]
          grants:
            - to: [group:fraud-team]
              read:
                services: [fraud_detection_v1]
                views: [user_transactions]
              write:
                views: [user_transactions]
            - to: [recsys]
              read: {services: [recommendation_v1]}
            - to: [analyst]
              read:
                views: [user_profile]
                features: ["user_profile@1:age"]
            - to: [profiler]
              read: {services: [profile_with_age]}
        """

    static let principals = ["fraud-scorer", "recsys", "analyst", "profiler", "ops", "node-2", "nobody"]

    static func key(_ principal: String) -> String { "sk_test_\(principal)_key" }

    static func withPolicyNode<T: Sendable>(_ body: (TestNode) async throws -> T) async throws -> T {
        let directory = NSTemporaryDirectory() + "skewless-acl-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keysFile = directory + "/api-keys"
        try principals.map { "\($0) \(AuthenticationTests.Keys.sha256(key($0)))" }.joined(separator: "\n")
            .write(toFile: keysFile, atomically: true, encoding: .utf8)
        return try await TestNode.withNode(repo: try AccessFixtures.repo(access: policy), configure: {
            $0.security.requireAuthentication = true
            $0.security.apiKeysFile = keysFile
        }, body)
    }

    static func client(_ node: TestNode, as principal: String) -> FeatureClient {
        FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) {
            $0.security.bearerToken = key(principal)
            $0.maxAttempts = 1
            $0.timeout = .seconds(10)
            // The 500 ms default is too short for a connection while the whole suite loads the machine.
            $0.connectTimeout = .seconds(10)
        })
    }

    /// The status of one request `principal` sends.
    static func status(_ node: TestNode, as principal: String, _ method: Skewless_V1_Method, _ message: some SwiftProtobuf.Message) async throws -> Skewless_V1_Status {
        try await RawConnection.with(port: node.port, token: key(principal)) { connection in
            try #require(try await connection.call(method, message)).status
        }
    }

    static func read(_ node: TestNode, as principal: String, features: [String]) async -> SkewlessError? {
        let client = client(node, as: principal)
        defer { Task { await client.close() } }
        do {
            _ = try await client.getOnlineFeatures(features: features, entities: [["user_id": 1]])
            return nil
        } catch {
            return error
        }
    }

    static func read(_ node: TestNode, as principal: String, service: String, entities: [[String: KeyPart]]) async -> SkewlessError? {
        let client = client(node, as: principal)
        defer { Task { await client.close() } }
        do {
            _ = try await client.getOnlineFeatures(service: service, entities: entities)
            return nil
        } catch {
            return error
        }
    }

    static let fraudEntities: [[String: KeyPart]] = [["user_id": 1, "merchant_id": "m-1"]]
    static let recommendationEntities: [[String: KeyPart]] = [["user_id": 1, "item_id": 7]]

    @Test func readsThroughServicesFollowTheGrants() async throws {
        try await Self.withPolicyNode { node in
            #expect(await Self.read(node, as: "fraud-scorer", service: "fraud_detection_v1", entities: Self.fraudEntities) == nil)
            #expect(await Self.read(node, as: "recsys", service: "recommendation_v1", entities: Self.recommendationEntities) == nil)
            let denied = await Self.read(node, as: "recsys", service: "fraud_detection_v1", entities: Self.fraudEntities)
            #expect(denied?.code == .permissionDenied)
            #expect(denied?.message.contains("recsys") == true && denied?.message.contains("fraud_detection_v1") == true, "\(String(describing: denied))")
            #expect(await Self.read(node, as: "nobody", service: "recommendation_v1", entities: Self.recommendationEntities)?.code == .permissionDenied)
            // Peers read everything; an admin reads nothing it was not granted.
            #expect(await Self.read(node, as: "node-2", service: "fraud_detection_v1", entities: Self.fraudEntities) == nil)
            #expect(await Self.read(node, as: "ops", service: "fraud_detection_v1", entities: Self.fraudEntities)?.code == .permissionDenied)
        }
    }

    @Test func readsOfFeatureListsNeedEveryFeatureGranted() async throws {
        try await Self.withPolicyNode { node in
            #expect(await Self.read(node, as: "fraud-scorer", features: ["user_transactions:txn_count_1h", "user_transactions:txn_amount_24h"]) == nil)
            // The fraud service's grant covers reading through the service, not its views.
            let denied = await Self.read(node, as: "fraud-scorer", features: ["user_transactions:txn_count_1h", "user_profile@1:country"])
            #expect(denied?.code == .permissionDenied)
            #expect(denied?.message.contains("user_profile@1:country") == true, "\(String(describing: denied))")
            #expect(denied?.message.contains("txn_count_1h") == false, "only what was denied is named")
            // A cluster client reads a service as lists of its features for each node, naming
            // the service (served_service): the service's grant allows that, as it allows the
            // service's own read, and only for that service's features.
            var asService = Skewless_V1_GetOnlineFeaturesRequest()
            var list = Skewless_V1_FeatureList()
            list.features = ["user_profile@1:country", "user_profile@1:segments"]
            asService.features = list
            asService.servedService = "recommendation_v1"
            var key = Skewless_V1_EntityKeyColumn()
            key.joinKey = "user_id"
            key.int64Values = [1]
            asService.entities = [key]
            let granted = try await Self.status(node, as: "recsys", .getOnlineFeatures, asService)
            let otherPrincipal = try await Self.status(node, as: "fraud-scorer", .getOnlineFeatures, asService)
            asService.servedService = ""
            let noService = try await Self.status(node, as: "recsys", .getOnlineFeatures, asService)
            #expect(granted.code == .ok, "\(granted.message)")
            #expect(otherPrincipal.code == .permissionDenied)
            #expect(noService.code == .permissionDenied)
        }
    }

    @Test func piiFieldsNeedAGrantNamingThem() async throws {
        try await Self.withPolicyNode { node in
            // analyst has user_profile (every version) and, by name, user_profile@1:age.
            #expect(await Self.read(node, as: "analyst", features: ["user_profile@1:country", "user_profile@2:country"]) == nil)
            #expect(await Self.read(node, as: "analyst", features: ["user_profile@1:age"]) == nil)
            let credit = await Self.read(node, as: "analyst", features: ["user_profile@1:country", "user_profile@2:credit_score"])
            #expect(credit?.code == .permissionDenied)
            #expect(credit?.message.contains("user_profile@2:credit_score (PII") == true, "\(String(describing: credit))")
            // A service grant does not reach the service's PII field.
            let service = await Self.read(node, as: "profiler", service: "profile_with_age", entities: [["user_id": 1]])
            #expect(service?.code == .permissionDenied)
            #expect(service?.message.contains("user_profile@1:age") == true, "\(String(describing: service))")
            // With the field's grant (analyst reads every field of the service) it is readable.
            #expect(await Self.read(node, as: "analyst", service: "profile_with_age", entities: [["user_id": 1]]) == nil)
        }
    }

    @Test func writesFollowTheWriteGrantsAndReplicaApplicationsArePeersOnly() async throws {
        try await Self.withPolicyNode { node in
            let row = FeatureWrite(entity: ["user_id": 5], eventTime: WallClock.nowMicros(), values: ["txn_count_1h": .int64(3)])
            let writer = Self.client(node, as: "fraud-scorer")
            let summary = try await writer.write(view: "user_transactions", rows: [row])
            #expect(summary.rowsWritten == 1)
            do {
                _ = try await writer.write(view: "user_profile", rows: [FeatureWrite(entity: ["user_id": 5], eventTime: WallClock.nowMicros(), values: ["country": .string("FR")])])
                Issue.record("a write without a grant was accepted")
            } catch let error as SkewlessError {
                #expect(error.code == .permissionDenied)
                #expect(error.message.contains("user_profile@2"))
            }
            await writer.close()
            let reader = Self.client(node, as: "recsys")
            await #expect(throws: SkewlessError.self) { _ = try await reader.write(view: "user_transactions", rows: [row]) }
            await reader.close()

            var apply = Skewless_V1_WriteFeaturesRequest()
            apply.featureView = "user_transactions"
            apply.replicaApply = true
            #expect(try await Self.status(node, as: "fraud-scorer", .writeFeatures, apply).code == .permissionDenied)
            // A peer is let through to the write's own checks (an empty batch is fine).
            #expect(try await Self.status(node, as: "node-2", .writeFeatures, apply).code != .permissionDenied)
        }
    }

    @Test func adminMethodsAreForAdminsAndPeersOnly() async throws {
        try await Self.withPolicyNode { node in
            let digest = Skewless_V1_PartitionDigestRequest()
            var export = Skewless_V1_ExportRowsRequest()
            export.featureView = "user_transactions"
            export.partitions = [0]
            var setMap = Skewless_V1_SetClusterMapRequest()
            setMap.mapJson = Data("{}".utf8)
            var materialize = Skewless_V1_MaterializeRequest()
            materialize.featureViews = ["user_transactions"]
            let before = node.server.security.auditCounts.denied
            for principal in ["fraud-scorer", "nobody", "analyst"] {
                for status in [
                    try await Self.status(node, as: principal, .partitionDigest, digest),
                    try await Self.status(node, as: principal, .exportRows, export),
                    try await Self.status(node, as: principal, .setClusterMap, setMap),
                    try await Self.status(node, as: principal, .materialize, materialize),
                ] {
                    #expect(status.code == .permissionDenied)
                    #expect(status.message.contains(principal) && status.message.contains("admin method"), "\(status.message)")
                }
            }
            #expect(node.server.security.auditCounts.denied == before + 12)
            // Admins and peers reach the methods themselves (a standalone node then refuses
            // what needs a cluster, and materializes what it has).
            for principal in ["ops", "node-2"] {
                #expect(try await Self.status(node, as: principal, .partitionDigest, digest).code == .failedPrecondition)
                #expect(try await Self.status(node, as: principal, .exportRows, export).code == .failedPrecondition)
                #expect(try await Self.status(node, as: principal, .setClusterMap, setMap).code == .failedPrecondition)
                #expect(try await Self.status(node, as: principal, .materialize, materialize).code != .permissionDenied)
            }
        }
    }

    @Test func trainingSetsFollowTheReadGrantsOnEveryRequestOfTheQuery() async throws {
        try await Self.withPolicyNode { node in
            func query(_ selector: Skewless_V1_GetHistoricalFeaturesRequest.OneOf_Selector) -> Skewless_V1_GetHistoricalFeaturesRequest {
                var request = Skewless_V1_GetHistoricalFeaturesRequest()
                request.selector = selector
                request.moreLabels = true  // no label rows yet: the node answers a cursor
                return request
            }
            let fraud = query(.featureService("fraud_detection_v1"))
            var profile = Skewless_V1_FeatureList()
            profile.features = ["user_profile@1:country"]
            let denied = try await Self.status(node, as: "recsys", .getHistoricalFeatures, fraud)
            #expect(denied.code == .permissionDenied)
            #expect(denied.message.contains("recsys") && denied.message.contains("fraud_detection_v1"), "\(denied.message)")
            #expect(try await Self.status(node, as: "fraud-scorer", .getHistoricalFeatures, query(.features(profile))).code == .permissionDenied)
            #expect(try await Self.status(node, as: "ops", .getHistoricalFeatures, fraud).code == .permissionDenied)
            // The granted principal's query goes on; its cursor is worth nothing to another.
            let cursor = try await RawConnection.with(port: node.port, token: Self.key("fraud-scorer")) { connection in
                let answer = try #require(try await connection.call(.getHistoricalFeatures, fraud))
                #expect(answer.status.code == .ok, "\(answer.status.message)")
                return try Skewless_V1_GetHistoricalFeaturesResponse(serializedBytes: answer.payload).nextCursor
            }
            #expect(!cursor.isEmpty)
            var next = Skewless_V1_GetHistoricalFeaturesRequest()
            next.cursor = cursor
            next.moreLabels = true
            #expect(try await Self.status(node, as: "recsys", .getHistoricalFeatures, next).code == .permissionDenied)
            #expect(try await Self.status(node, as: "fraud-scorer", .getHistoricalFeatures, next).code == .ok)
        }
    }

    @Test func ingestionNeedsAWriteGrantOfTheViewOrAnAdmin() async throws {
        try await Self.withPolicyNode { node in
            func ingest(_ view: String) -> Skewless_V1_IngestRequest {
                var request = Skewless_V1_IngestRequest()
                request.featureView = view
                return request
            }
            let before = node.server.security.auditCounts.denied
            #expect(try await Self.status(node, as: "fraud-scorer", .ingest, ingest("user_transactions")).code == .ok)
            let denied = try await Self.status(node, as: "fraud-scorer", .ingest, ingest("user_profile"))
            #expect(denied.code == .permissionDenied)
            #expect(denied.message.contains("user_profile@2") && denied.message.contains("ingest"), "\(denied.message)")
            #expect(try await Self.status(node, as: "recsys", .ingest, ingest("user_transactions")).code == .permissionDenied)
            #expect(try await Self.status(node, as: "ops", .ingest, ingest("user_profile")).code == .ok)
            #expect(node.server.security.auditCounts.denied == before + 2)
        }
    }

    @Test func healthDescribeAndTheClusterMapAreForEveryPrincipal() async throws {
        try await Self.withPolicyNode { node in
            for principal in Self.principals {
                let health = try await Self.status(node, as: principal, .health, Skewless_V1_HealthRequest())
                let describe = try await Self.status(node, as: principal, .describe, Skewless_V1_DescribeRequest())
                let map = try await Self.status(node, as: principal, .getClusterMap, Skewless_V1_GetClusterMapRequest())
                #expect([health.code, describe.code, map.code] == [.ok, .ok, .ok], "\(principal)")
            }
        }
    }

    @Test func deniedRequestsCountAgainstTheErrorBudget() async throws {
        try await Self.withPolicyNode { node in
            try await RawConnection.with(port: node.port, token: Self.key("nobody")) { connection in
                var list = Skewless_V1_FeatureList()
                list.features = ["user_transactions:txn_count_1h"]
                var request = Skewless_V1_GetOnlineFeaturesRequest()
                request.features = list
                for _ in 0..<100 {
                    #expect(try await connection.call(.getOnlineFeatures, request)?.status.code == .permissionDenied)
                }
                let last = try await connection.next()
                #expect(last?.requestID == 0)
                #expect(last?.status.code == .resourceExhausted)
                #expect(try await connection.next() == nil)
            }
        }
    }
}
