import Skewless
import SkewlessModel
import SkewlessServer
import SkewlessWire
import SwiftProtobuf

/// The `ReplicaTransport` of tools outside the nodes (`fsctl verify`): one SDK client per node that answered (each talking to that
/// node alone), made before the comparison; a node without one (it did not answer) is
/// `UNAVAILABLE` at once, so its partitions are reported unverifiable without waiting.
package struct ClientReplicaTransport: ReplicaTransport {
    let clients: [String: FeatureClient]
    let timeout: Duration
    /// Why each node without a client has none.
    let absent: [String: String]

    package init(clients: [String: FeatureClient], timeout: Duration, absent: [String: String]) {
        self.clients = clients
        self.timeout = timeout
        self.absent = absent
    }

    package func call<Response: SwiftProtobuf.Message>(
        _ method: Skewless_V1_Method, _ request: some SwiftProtobuf.Message & Sendable, node: String, as type: Response.Type
    ) async throws(SkewlessError) -> Response {
        guard let client = clients[node] else {
            throw SkewlessError(.unavailable, "node \(node) did not answer: \(absent[node] ?? "it is not in the cluster map")")
        }
        return try await client.replicaCall(method, request, as: type, timeout: timeout)
    }
}
