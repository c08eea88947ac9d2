import NIOCore
import SkewlessModel
import SkewlessWire

/// How the client's executors reach nodes: one request frame to one node, one response.
/// The executors (`OneShotExecutor`, `RetryExecutor`, `HedgingExecutor`) and the routing
/// above them know nothing of connections; the transport knows nothing of retries, maps or
/// policies, like grpc-swift's `ClientTransport` below its executors.
///
/// `PooledTransport` is the real one (TCP connections over SwiftNIO). Tests put an
/// in-process one here, whose nodes can be told to fail, stall or answer wrong-shard, to
/// test routing under faults without processes or sockets.
package protocol NodeTransport: Sendable {
    /// Sends one request (`payload`, the encoded message of `method`) to the node at
    /// `endpoint` and returns its response payload.
    /// - Throws: the node's status as a `SkewlessError`; `UNAVAILABLE` when the node cannot be
    ///   reached or the connection drops; `DEADLINE_EXCEEDED` when no answer came by
    ///   `deadline`; `CANCELLED` at once when the calling task is cancelled; after
    ///   `beginShutdown`, the shutdown's reason.
    nonisolated(nonsending) func send(
        _ method: Skewless_V1_Method, payload: [UInt8], to endpoint: Endpoint, deadline: NIODeadline
    ) async throws(SkewlessError) -> ByteBuffer

    /// Takes no more requests: later sends fail with `reason`. Gracefully, the requests in
    /// flight still get their answers (or reach their deadlines) before the connections
    /// close; otherwise they fail with `reason` at once.
    func beginShutdown(reason: SkewlessError, gracefully: Bool)

    /// Returns once everything `beginShutdown` ended has ended: no request is in flight and
    /// no connection open.
    func waitUntilClosed() async
}
