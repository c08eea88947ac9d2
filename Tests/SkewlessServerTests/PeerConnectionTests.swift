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
        let error = await Task.detached { () -> SkewlessError? in
            do throws(SkewlessError) {
                let connection = try PeerConnection.connect(to: address, connectTimeout: .seconds(1), callTimeout: .milliseconds(300), maxFrameBytes: 1 << 20)
                _ = try connection.call(.exportRows, Self.export(), as: Skewless_V1_ExportRowsResponse.self)
                return nil
            } catch {
                return error
            }
        }.value
        #expect(error?.code == .deadlineExceeded)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(peer.requests == 1)
    }

    @Test func garbageIsDataLossAndNobodyListeningIsUnavailable() async throws {
        let peer = try await GarbagePeer()
        defer { peer.channel.close(promise: nil) }
        let address = try NodeAddress(host: "127.0.0.1", port: peer.port)
        let closed = try NodeAddress(host: "127.0.0.1", port: try await GarbagePeer.closedPort())
        let errors = await Task.detached { () -> [SkewlessError?] in
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
        }.value
        #expect(errors.map { $0?.code } == [.dataLoss, .unavailable])
    }
}
