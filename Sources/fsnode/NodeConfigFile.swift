import ArgumentParser
import Foundation
import Yams

/// The optional YAML config file of fsnode. Every key is optional; unknown keys are errors.
struct NodeConfigFile: Decodable {
    var nodeID: String?
    var clusterMap: String?
    var host: String?
    var port: Int?
    var repo: String?
    var maxFrameBytes: Int?
    var maxConnections: Int?
    var maxNewConnectionsPerSecond: Int?
    var newConnectionsBurst: Int?
    var maxInFlightPerConnection: Int?
    var maxInvalidRequestsPerConnection: Int?
    var maxEntitiesPerRequest: Int?
    var turnBudgetMicroseconds: Int64?
    var slowDownAfterInvalidRequests: Int?
    var historicalMemoryBytes: Int?
    var idleTimeoutSeconds: Int64?
    var drainTimeoutSeconds: Int64?
    var eventLoopThreads: Int?
    var logLevel: String?
    var segments: String?
    var materializeOnStart: Bool?
    var replicaTimeoutMilliseconds: Int64?
    var sealIntervalSeconds: Double?
    var deduplicationWindowSeconds: Int64?
    var etcd: String?
    var cluster: String?
    var advertise: String?
    var controller: Bool?
    var failureTimeoutSeconds: Double?
    var reReplicationGraceSeconds: Double?
    var tlsCert: String?
    var tlsKey: String?
    var tlsCA: String?
    var tlsClientCerts: String?
    var requireAuth: Bool?
    var apiKeys: String?
    var jwtKey: String?
    var jwtIssuer: String?
    var jwtAudience: String?
    var peerTokenFile: String?
    var rateLimit: Int?
    var rateLimitBurst: Int?
    var metricsPort: Int?
    var servedLogQueueBytes: Int?
    var servedLogRetainBytes: UInt64?
    var servedLogRetainSeconds: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case nodeID = "node_id"
        case clusterMap = "cluster_map"
        case host, port, repo
        case maxFrameBytes = "max_frame_bytes"
        case maxConnections = "max_connections"
        case maxNewConnectionsPerSecond = "max_new_connections_per_second"
        case newConnectionsBurst = "new_connections_burst"
        case maxInFlightPerConnection = "max_in_flight_per_connection"
        case maxInvalidRequestsPerConnection = "max_invalid_requests_per_connection"
        case maxEntitiesPerRequest = "max_entities_per_request"
        case turnBudgetMicroseconds = "turn_budget_us"
        case slowDownAfterInvalidRequests = "slow_down_after_invalid_requests"
        case historicalMemoryBytes = "historical_memory_bytes"
        case idleTimeoutSeconds = "idle_timeout_seconds"
        case drainTimeoutSeconds = "drain_timeout_seconds"
        case eventLoopThreads = "event_loop_threads"
        case logLevel = "log_level"
        case segments
        case materializeOnStart = "materialize_on_start"
        case replicaTimeoutMilliseconds = "replica_timeout_ms"
        case sealIntervalSeconds = "seal_interval_seconds"
        case deduplicationWindowSeconds = "deduplication_window_seconds"
        case etcd, cluster, advertise, controller
        case failureTimeoutSeconds = "failure_timeout_seconds"
        case reReplicationGraceSeconds = "re_replication_grace_seconds"
        case tlsCert = "tls_cert"
        case tlsKey = "tls_key"
        case tlsCA = "tls_ca"
        case tlsClientCerts = "tls_client_certs"
        case requireAuth = "require_auth"
        case apiKeys = "api_keys"
        case jwtKey = "jwt_key"
        case jwtIssuer = "jwt_issuer"
        case jwtAudience = "jwt_audience"
        case peerTokenFile = "peer_token_file"
        case rateLimit = "rate_limit"
        case rateLimitBurst = "rate_limit_burst"
        case metricsPort = "metrics_port"
        case servedLogQueueBytes = "served_log_queue_bytes"
        case servedLogRetainBytes = "served_log_retain_bytes"
        case servedLogRetainSeconds = "served_log_retain_seconds"
    }

    init() {}

    static func load(path: String) throws -> NodeConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read config file \(path): \(error.localizedDescription)")
        }
        do {
            if let node = try Yams.compose(yaml: text), case .mapping(let mapping) = node {
                let known = Set(CodingKeys.allCases.map(\.rawValue))
                for key in mapping.keys {
                    guard let name = key.string, known.contains(name) else {
                        let line = key.mark.map { ":\($0.line)" } ?? ""
                        throw ValidationError("\(path)\(line): unknown key '\(key.string ?? "?")'; expected one of: \(known.sorted().joined(separator: ", "))")
                    }
                }
            }
            return try YAMLDecoder().decode(NodeConfigFile.self, from: text)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(path): \(error)")
        }
    }
}
