import Logging
import SkewlessModel
import Synchronization

/// Holds a lease alive: grants one with `ttlSeconds`, keeps it alive every ttl/3, and when
/// it is lost (expired while etcd was unreachable, or revoked) grants a new one and calls
/// `onNewLease` so the holder re-attaches its keys. A Sendable final class with an async `run()`
/// that runs until the task is cancelled (then revokes the lease, best effort), and a
/// `current` property (the lease id now, or nil while it has none).
///
/// `onNewLease` is called with every lease granted, the first one included, before `current`
/// returns it (so a holder that sees `current` set has attached its keys); the keeper waits
/// for it before the next keepalive, so keep it well under the TTL (a few puts).
///
/// `current` is nil not only when no lease was granted yet or the last one was found lost,
/// but also when no grant or keepalive succeeded for the lease's TTL (counted from when that
/// request was sent, so never later than etcd's own expiry): a holder that acts only while
/// `current` is set never acts on a lease etcd may already have expired. After etcd comes
/// back, the next keepalive tells whether the lease survived (a restarted etcd keeps its
/// leases and renews their TTLs; a cluster that lost quorum for longer than the TTL expires
/// them) and `current` is set again, to the same lease or to a new one.
package final class LeaseKeeper: Sendable {
    private struct State {
        var lease: Int64?
        /// When the lease is known to have been alive for `ttl` more (the start of the last
        /// successful grant or keepalive).
        var confirmed: ContinuousClock.Instant = .now
        var ttl: Duration = .zero
        var running = false
    }

    private let client: EtcdClient
    private let ttlSeconds: Int
    private let logger: Logger
    private let onNewLease: @Sendable (Int64) async -> Void
    private let state = Mutex(State())

    /// - Parameters:
    ///   - ttlSeconds: the lease's TTL (etcd raises it to its minimum, 2 s at the defaults).
    ///   - onNewLease: called with each lease granted (the first included), to attach the
    ///     holder's keys to it.
    package init(client: EtcdClient, ttlSeconds: Int, logger: Logger, onNewLease: @escaping @Sendable (Int64) async -> Void) {
        precondition(ttlSeconds >= 1, "a lease TTL is at least 1 second")
        self.client = client
        self.ttlSeconds = ttlSeconds
        self.logger = logger
        self.onNewLease = onNewLease
    }

    /// The lease id now, or nil while it has none (or cannot be sure it is still alive).
    package var current: Int64? {
        state.withLock { state in
            guard let lease = state.lease, ContinuousClock.now < state.confirmed + state.ttl else { return nil }
            return lease
        }
    }

    /// Grants and keeps the lease until the task is cancelled, then revokes it (best effort).
    /// Call it once; a second concurrent call returns at once.
    package func run() async {
        let alreadyRunning = state.withLock { state in
            defer { state.running = true }
            return state.running
        }
        guard !alreadyRunning else {
            logger.warning("LeaseKeeper.run() called while it already runs; ignoring the second call")
            return
        }
        var lease: Int64?
        let interval = Duration.milliseconds(max(ttlSeconds * 1000 / 3, 100))
        // After a failed request: soon, but not in a tight loop against a dead etcd.
        let retry = min(interval, .milliseconds(500))
        var delay = interval
        while !Task.isCancelled {
            guard let held = lease else {
                lease = await grant()
                if lease == nil { try? await Task.sleep(for: retry) }
                delay = interval
                continue
            }
            try? await Task.sleep(for: delay)
            if Task.isCancelled { break }
            let sent = ContinuousClock.now
            do {
                let left = try await client.keepAlive(held)
                delay = interval
                if left > 0 {
                    state.withLock { state in
                        state.confirmed = sent
                        state.ttl = .seconds(left)
                    }
                } else {
                    logger.warning("etcd lease lost (expired or revoked); granting a new one", metadata: ["lease": "\(held)"])
                    state.withLock { $0.lease = nil }
                    lease = nil
                }
            } catch {
                if error.code == .cancelled { break }
                logger.warning("could not keep the etcd lease alive; retrying", metadata: ["lease": "\(held)", "error": "\(error)"])
                delay = retry
            }
        }
        state.withLock { state in
            state.lease = nil
            state.running = false
        }
        if let lease {
            // The calling task is cancelled, and so would be any request made in it: revoke
            // from a task of its own, which the client's deadline bounds.
            let client = client
            let logger = logger
            await Task {
                do {
                    try await client.revoke(lease)
                } catch {
                    logger.info("could not revoke the etcd lease; it expires by itself", metadata: ["lease": "\(lease)", "error": "\(error)"])
                }
            }.value
        }
    }

    /// A new lease, handed to `onNewLease` and then published in `current`; nil when etcd did
    /// not grant one.
    private func grant() async -> Int64? {
        let sent = ContinuousClock.now
        let lease: Int64
        do {
            lease = try await client.grantLease(ttlSeconds: ttlSeconds)
        } catch {
            if error.code != .cancelled {
                logger.warning("could not get an etcd lease; retrying", metadata: ["error": "\(error)"])
            }
            return nil
        }
        logger.info("etcd lease granted", metadata: ["lease": "\(lease)", "ttl_seconds": "\(ttlSeconds)"])
        await onNewLease(lease)
        state.withLock { state in
            state.lease = lease
            state.confirmed = sent
            state.ttl = .seconds(ttlSeconds)
        }
        return lease
    }
}
