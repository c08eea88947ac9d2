import NIOSSL
import SkewlessModel
import SkewlessTLS
import Synchronization

/// What a client needs to open a connection: the handshake's client name and token, and TLS.
/// One per client, shared by its pools; the TLS context is built from its files at the first
/// connection and kept.
final class ConnectionSetup: Sendable {
    let connectTimeout: Duration
    let clientName: String
    let bearerToken: String?
    let tls: FeatureClient.TLS?
    private let context = Mutex<NIOSSLContext?>(nil)

    init(connectTimeout: Duration, clientName: String, security: FeatureClient.Security) {
        self.connectTimeout = connectTimeout
        self.clientName = clientName
        self.bearerToken = security.bearerToken
        self.tls = security.tls
    }

    /// The TLS context; nil for plain TCP.
    /// - Throws: `INVALID_ARGUMENT` naming a file that is missing or not PEM (tried again at
    ///   the next connection, so fixing the file is enough).
    func tlsContext() throws(SkewlessError) -> NIOSSLContext? {
        guard let tls else { return nil }
        if let built = context.withLock({ $0 }) { return built }
        let built = try TLSContexts.client(TLSFiles(
            certificateChain: tls.certificateFile, privateKey: tls.privateKeyFile, trustRoots: tls.trustRootsFile))
        context.withLock { $0 = built }
        return built
    }
}
