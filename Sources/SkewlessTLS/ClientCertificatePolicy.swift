/// What a node asks of a client's certificate (mutual TLS).
package enum ClientCertificatePolicy: String, Sendable, Hashable, CaseIterable {
    /// Clients present none; the node does not ask.
    case none
    /// A client may present one, which must then be signed by a trusted CA; clients without
    /// one are accepted (and must authenticate with a token when authentication is on).
    case optional
    /// Every client must present a certificate signed by a trusted CA, or the TLS handshake fails.
    case required
}
