/// The PEM files one end of a TLS connection uses (docs/operations.md, "Security").
///
/// A node names its certificate chain and key (presented to clients and, as a client
/// certificate, to the peers it calls) and the CA bundle it trusts for client certificates and
/// for its peers. A client names the CA bundle it trusts for the node (nil: the system's
/// roots) and, for mutual TLS, a certificate chain and key of its own.
package struct TLSFiles: Sendable, Hashable {
    /// The certificate chain, leaf first, as PEM.
    package var certificateChain: String?
    /// The private key of the chain's leaf, as PEM (PKCS#8, SEC1 or PKCS#1).
    package var privateKey: String?
    /// The certificate authorities trusted to sign the other end's certificate, as PEM; nil:
    /// the operating system's roots.
    package var trustRoots: String?

    package init(certificateChain: String? = nil, privateKey: String? = nil, trustRoots: String? = nil) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.trustRoots = trustRoots
    }

    /// Whether both halves of an identity are named (needed by a server, optional for a client).
    package var hasIdentity: Bool { certificateChain != nil && privateKey != nil }
}
