import NIOCore
import SkewlessModel
import SkewlessWire
import SwiftProtobuf

/// One request to one node: no retry, no hedge, no task (grpc-swift's `OneShotExecutor`).
/// The attempt every other executor is made of, and all a call runs when its first attempt
/// succeeds.
struct OneShotExecutor: Sendable {
    let transport: any NodeTransport

    /// Sends an encoded request and returns the response payload.
    nonisolated(nonsending) func send(
        _ method: Skewless_V1_Method, payload: [UInt8], to endpoint: Endpoint, deadline: NIODeadline
    ) async throws(SkewlessError) -> ByteBuffer {
        try await transport.send(method, payload: payload, to: endpoint, deadline: deadline)
    }

    /// Sends a request message and decodes the response as `Response`.
    nonisolated(nonsending) func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: Skewless_V1_Method, _ request: Request, to endpoint: Endpoint, deadline: NIODeadline
    ) async throws(SkewlessError) -> Response {
        let payload = try await send(method, payload: try NodeConnection.encode(request), to: endpoint, deadline: deadline)
        return try NodeConnection.decode(payload, from: endpoint)
    }
}
