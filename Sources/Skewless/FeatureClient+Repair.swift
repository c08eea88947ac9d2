import SkewlessModel
import SkewlessWire
import SwiftProtobuf

// What fsctl verify needs to compare and repair replicas (PARTITION_DIGEST, EXPORT_ROWS with
// buckets, replica applications): any request to the node at `configuration.endpoint`, never
// through the router. See `ReplicaRepair` for the procedure.

extension FeatureClient {
    /// Sends one request of `method` to this client's node and decodes its answer.
    package func replicaCall<Response: SwiftProtobuf.Message>(
        _ method: Skewless_V1_Method, _ request: some SwiftProtobuf.Message, as type: Response.Type, timeout: Duration? = nil
    ) async throws(SkewlessError) -> Response {
        try await call(method, request, deadline: deadline(timeout))
    }
}
