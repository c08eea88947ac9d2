import SkewlessWire
import SkewlessModel
import SwiftProtobuf

/// How replica comparison and repair (`ReplicaRepair`) reach the nodes: one request to one
/// node by its cluster node id, answered by its response message or a `SkewlessError` (the
/// node's status, or `UNAVAILABLE` / `DEADLINE_EXCEEDED` when it cannot be reached in time).
///
/// A node implements it over its peer connections (and answers itself directly); fsctl over
/// one SDK client per node. The procedure is the same either way, so `fsctl verify --repair`
/// repairs exactly as the node's anti-entropy loop does.
package protocol ReplicaTransport: Sendable {
    func call<Response: SwiftProtobuf.Message>(
        _ method: Skewless_V1_Method, _ request: some SwiftProtobuf.Message & Sendable, node: String, as type: Response.Type
    ) async throws(SkewlessError) -> Response
}
