import Foundation
import NIOCore
import SkewlessCluster
import SkewlessModel
@testable import SkewlessServer
import SkewlessWire
import Testing

/// A node's calls to another node never hang or crash on a bad peer: each ends in a clear
/// error within its deadline.
@Suite(.timeLimit(.minutes(1)))
struct PeerConnectionTests {
    /// Runs blocking peer calls on a thread of their own, as the node does, never on the
    /// tests' cooperative pool.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }

    static func export() -> Skewless_V1_ExportRowsRequest {
        var request = Skewless_V1_ExportRowsRequest()
        request.featureView = "user_transactions"
        request.partitions = [0]
        return request
    }

    @Test func aSilentPeerTimesOut() async throws {
        let peer = try await GarbagePeer(silent: true)
        defer { peer.channel.close(promise: nil) }
        let address = try NodeAddress(host: "127.0.0.1", port: peer.port)
        let started = ContinuousClock.now
        let error = await Self.onThread { () -> SkewlessError? in
            do throws(SkewlessError) {
                let connection = try PeerConnection.connect(to: address, connectTimeout: .seconds(1), callTimeout: .milliseconds(300), maxFrameBytes: 1 << 20)
                _ = try connection.call(.exportRows, Self.export(), as: Skewless_V1_ExportRowsResponse.self)
                return nil
            } catch {
                return error
            }
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(ContinuousClock.now - started < .seconds(30), "ended by the 300 ms call deadline")
        #expect(peer.requests == 1)
    }

    @Test func garbageIsDataLossAndNobodyListeningIsUnavailable() async throws {
        let peer = try await GarbagePeer()
        defer { peer.channel.close(promise: nil) }
        let address = try NodeAddress(host: "127.0.0.1", port: peer.port)
        let closed = try NodeAddress(host: "127.0.0.1", port: try await GarbagePeer.closedPort())
        let errors = await Self.onThread { () -> [SkewlessError?] in
            var errors: [SkewlessError?] = []
            for target in [address, closed] {
                do throws(SkewlessError) {
                    let connection = try PeerConnection.connect(to: target, connectTimeout: .seconds(1), callTimeout: .seconds(2), maxFrameBytes: 1 << 20)
                    _ = try connection.call(.exportRows, Self.export(), as: Skewless_V1_ExportRowsResponse.self)
                    errors.append(nil)
                } catch {
                    errors.append(error)
                }
            }
            return errors
        }
        #expect(errors.map { $0?.code } == [.dataLoss, .unavailable])
    }
}
