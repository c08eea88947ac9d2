import Foundation
import Logging
import NIOPosix
import SkewlessCluster
import SkewlessModel
import SkewlessServer
import Synchronization

/// A node's part in the etcd control plane (docs/cluster.md, "The control plane in etcd"):
/// it registers under `nodes/<id>` with a lease it keeps alive (so the cluster sees it
/// live, and sees it gone within the lease's TTL after a crash or a pause), and follows the
/// `map` key, installing every newer epoch in the node, so a node learns maps published while
/// it was down or unreachable. Runs until its task is cancelled, then deregisters.
package final class NodeAgent: Sendable {
    package let control: ControlStore
    package let nodeID: NodeID
    package let membership: ClusterMembership
    package let leaseSeconds: Int
    package let pollInterval: Duration
    private let logger: Logger
    private let address = Mutex<NodeAddress?>(nil)

    package init(control: ControlStore, nodeID: NodeID, membership: ClusterMembership, leaseSeconds: Int = 3, pollInterval: Duration = .milliseconds(250), logger: Logger) {
        self.control = control
        self.nodeID = nodeID
        self.membership = membership
        self.leaseSeconds = leaseSeconds
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// The address others reach the node at, once it listens; the agent registers then.
    package func listening(at address: NodeAddress) {
        self.address.withLock { $0 = address }
    }

    package func run() async {
        membership.follow(controlPlane: control.client.endpoints.joined(separator: ","))
        let keeper = LeaseKeeper(client: control.client, ttlSeconds: leaseSeconds, logger: logger) { [self] lease in
            await register(lease)
        }
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await keeper.run() }
            tasks.addTask { await self.followMap() }
            tasks.addTask { await self.registerOnceListening(keeper) }
            await tasks.next()
            tasks.cancelAll()
        }
        try? await control.deregister(nodeID)
    }

    private func registerOnceListening(_ keeper: LeaseKeeper) async {
        while !Task.isCancelled {
            if address.withLock({ $0 }) != nil, let lease = keeper.current {
                await register(lease)
                break
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        // Stay in the group until cancelled: its end would end the others.
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3_600))
        }
    }

    private func register(_ lease: Int64) async {
        guard let address = address.withLock({ $0 }) else { return }
        do throws(SkewlessError) {
            try await control.register(nodeID, address: address, lease: lease, version: SkewlessServerVersion.current)
            logger.info("registered in etcd", metadata: ["address": "\(address)", "lease": "\(lease)"])
        } catch {
            logger.warning("could not register in etcd; trying again with the next lease", metadata: ["error": "\(error.message)"])
        }
    }

    private func followMap() async {
        var warned = false
        while !Task.isCancelled {
            do throws(SkewlessError) {
                if let (map, _) = try await control.loadMap(), map.epoch > (membership.map?.epoch ?? 0) {
                    let json = try ClusterMapFile.encode(map)
                    // Installing fsyncs the map file and its directory: on NIO's blocking-I/O
                    // pool, not a thread of Swift Concurrency's cooperative pool.
                    let membership = self.membership
                    let epoch: UInt64
                    do {
                        epoch = try await NIOThreadPool.singleton.runIfActive { try membership.install(json: json) }
                    } catch let error as SkewlessError {
                        throw error
                    } catch {
                        throw SkewlessError(.unavailable, "could not install the map: \(error)")
                    }
                    logger.info("installed the cluster map from etcd", metadata: ["epoch": "\(epoch)"])
                }
                warned = false
            } catch {
                if !warned {
                    logger.warning("could not follow the cluster map in etcd; serving with the map it has", metadata: ["error": "\(error.message)"])
                    warned = true
                }
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
