import Foundation
import NIOSSL
import SkewlessModel
import SkewlessTLS
import Synchronization

/// A node's security at run time: the TLS contexts (for accepting connections, and for
/// calling peers) and the authenticator, built from the files `NodeSecurity` names when the
/// node starts (`load`) and again on `load` later (SIGHUP: rotated certificates, keys and
/// API keys), while connections stay open. Each connection takes what is current when it
/// opens; those opened before a reload keep what they started with.
package final class SecurityState: Sendable {
    package let settings: NodeSecurity
    let audit: AuditLog
    let rateLimiter: RateLimiter

    struct Loaded: Sendable {
        var serverTLS: NIOSSLContext?
        var peerTLS: NIOSSLContext?
        var authenticator: Authenticator?
        var peerToken: String?
    }

    private let loaded = Mutex<Loaded>(Loaded())

    init(settings: NodeSecurity, audit: AuditLog) {
        self.settings = settings
        self.audit = audit
        self.rateLimiter = RateLimiter(limit: settings.rateLimit)
    }

    /// Reads every file and puts what they hold in use for new connections; on any error
    /// nothing changes.
    /// - Throws: `INVALID_ARGUMENT` naming the file at fault.
    func load() async throws(SkewlessError) {
        var fresh = Loaded()
        if let tls = settings.tls {
            fresh.serverTLS = try TLSContexts.server(tls, clients: settings.clientCertificates)
            fresh.peerTLS = try TLSContexts.client(tls)
        }
        if settings.requireAuthentication {
            fresh.authenticator = try await Authenticator.load(settings)
        }
        if let path = settings.peerTokenFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SkewlessError(.invalidArgument, "cannot read the peer token file \(path): it does not exist or cannot be read")
            }
            fresh.peerToken = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        loaded.withLock { $0 = fresh }
    }

    /// The context new client connections are accepted with; nil: plain TCP.
    var serverTLS: NIOSSLContext? { loaded.withLock { $0.serverTLS } }

    /// What this node connects to its peers with: TLS (nil: plain TCP) and the token it
    /// sends in the handshake.
    var peer: (tls: NIOSSLContext?, token: String?) { loaded.withLock { ($0.peerTLS, $0.peerToken) } }

    var authenticator: Authenticator? { loaded.withLock { $0.authenticator } }

    var isTLSOn: Bool { settings.tls != nil }

    /// What the audit log has counted since the node started.
    package var auditCounts: AuditLog.Counts { audit.counts }
}
