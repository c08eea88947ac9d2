import SkewlessModel
import SkewlessWire

// The label values of the node's metrics (docs/monitoring.md): protocol methods and status
// codes in snake case, and why connections closed. Each has a small dense index, so the
// handles of every (method, status) pair live in a flat table the hot path indexes.

extension NodeMetrics {
    /// The protocol methods, as the `method` label names them; the last is every method this
    /// node does not know, and frames that are not a request at all.
    static let methodLabels = [
        "unspecified", "handshake", "health", "describe", "get_online_features", "write_features",
        "materialize", "get_cluster_map", "set_cluster_map", "export_rows", "partition_digest", "unknown",
    ]

    /// The index of `method` in `methodLabels`.
    @inline(__always)
    static func methodIndex(_ method: Skewless_V1_Method) -> Int {
        let raw = method.rawValue
        return raw >= 0 && raw < methodLabels.count - 1 ? raw : methodLabels.count - 1
    }

    /// The `method` label of frames that could not be decoded as a request.
    static var undecodableMethodIndex: Int { methodLabels.count - 1 }

    /// The status codes (docs/protocol.md), as the `status` label names them, by code; codes
    /// past the last are counted as `unknown` (code 2).
    static let statusLabels = [
        "ok", "cancelled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
        "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
        "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
    ]

    /// The index of a response's status in `statusLabels`: 0 for a success (nil).
    @inline(__always)
    static func statusIndex(_ failure: SkewlessError.Code?) -> Int {
        guard let raw = failure?.rawValue else { return 0 }
        return raw > 0 && raw < statusLabels.count ? raw : SkewlessError.Code.unknown.rawValue
    }

    /// Why the node closed a connection, or saw it closed (`skewless_connections_closed_total{reason}`).
    enum CloseReason: Int, CaseIterable, Sendable {
        /// The client closed it.
        case client
        /// No bytes for the idle timeout.
        case idle
        /// Closed after a graceful shutdown's drain.
        case drained
        /// Refused: the node was at its connection limit.
        case limit
        /// The first request was not an acceptable handshake.
        case handshakeRefused
        /// Too many invalid requests in a row (the error budget).
        case invalidRequests
        /// A frame over the size limit, or bytes that cannot be split into frames.
        case badFrame
        /// An error in the connection's pipeline (a socket error, a response that could not be encoded).
        case error

        var label: String {
            switch self {
            case .client: return "client"
            case .idle: return "idle"
            case .drained: return "drained"
            case .limit: return "limit"
            case .handshakeRefused: return "handshake_refused"
            case .invalidRequests: return "invalid_requests"
            case .badFrame: return "bad_frame"
            case .error: return "error"
            }
        }
    }
}

extension ValueStatus {
    /// The `status` label of `skewless_feature_reads_total`.
    var metricLabel: String {
        switch storage {
        case .present: return "present"
        case .notFound: return "not_found"
        case .nullValue: return "null"
        case .outsideTTL: return "outside_ttl"
        case .defaulted: return "defaulted"
        }
    }
}
