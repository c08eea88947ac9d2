import Foundation
import NIOCore
import NIOPosix
import SkewlessCluster
import SkewlessModel
import SkewlessWire
import SwiftProtobuf

/// The node's `ReplicaTransport` for its anti-entropy loop: requests to another node go over
/// the peer connections (`PeerCaller`, never blocking an event loop); requests to this node are
/// answered by its own request processor directly, with the digest and export work on the
/// thread pool and replica applications through the write path (`WriteCoordinator`), exactly
/// as a peer's would be.
struct NodeReplicaTransport: ReplicaTransport {
    let processor: RequestProcessor
    let membership: ClusterMembership
    let peers: PeerCaller
    var timeout: TimeAmount = .seconds(10)

    func call<Response: SwiftProtobuf.Message>(
        _ method: Skewless_V1_Method, _ request: some SwiftProtobuf.Message & Sendable, node: String, as type: Response.Type
    ) async throws(SkewlessError) -> Response {
        if node == processor.configuration.nodeID {
            return try await local(method, request, as: type)
        }
        guard let id = try? NodeID(node), let address = membership.map?.node(id)?.address else {
            throw SkewlessError(.unavailable, "node \(node) is not in this node's cluster map")
        }
        let payload: [UInt8]
        do {
            payload = try request.serializedBytes()
        } catch {
            throw SkewlessError(.internal, "could not encode a \(method) request: \(error)")
        }
        let envelope: ResponseEnvelope
        do {
            envelope = try await peers.call(method, payload: payload, to: address, timeout: timeout, on: MultiThreadedEventLoopGroup.singleton.any()).get()
        } catch {
            throw error as? SkewlessError ?? SkewlessError(.unavailable, "node \(node): \(error)")
        }
        if let error = envelope.error { throw error }
        do {
            return try Response(serializedBytes: Data(envelope.payload.readableBytesView))
        } catch {
            throw SkewlessError(.dataLoss, "node \(node) answered \(method) with a payload that is not a \(Response.protoMessageName)")
        }
    }

    private func local<Response: SwiftProtobuf.Message>(
        _ method: Skewless_V1_Method, _ request: some SwiftProtobuf.Message & Sendable, as type: Response.Type
    ) async throws(SkewlessError) -> Response {
        let processor = self.processor
        do {
            let answer: any SwiftProtobuf.Message
            switch (method, request) {
            case (.partitionDigest, let request as Skewless_V1_PartitionDigestRequest):
                answer = try await NIOThreadPool.singleton.runIfActive { try processor.partitionDigest(request) }
            case (.exportRows, let request as Skewless_V1_ExportRowsRequest):
                answer = try await NIOThreadPool.singleton.runIfActive { try processor.exportRows(request) }
            case (.writeFeatures, let request as Skewless_V1_WriteFeaturesRequest):
                let payload = try request.serializedData()
                answer = try await processor.writes.write(payload, on: MultiThreadedEventLoopGroup.singleton.any()).get()
            default:
                throw SkewlessError(.unimplemented, "a node does not send \(method) to itself")
            }
            guard let answer = answer as? Response else {
                throw SkewlessError(.internal, "\(method) answered a \(Swift.type(of: answer).protoMessageName), not a \(Response.protoMessageName)")
            }
            return answer
        } catch let error as SkewlessError {
            throw error
        } catch let error as WrongShardError {
            throw SkewlessError(.aborted, error.message)
        } catch {
            throw SkewlessError(.internal, "\(method) on this node: \(error)")
        }
    }
}
