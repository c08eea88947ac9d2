import NIOCore

/// Who is on a connection, as its handshake established: the principal and its rights (nil
/// when the node does not require authentication), when its credential expires, and the rate
/// bucket it draws from. Held by the connection's handler; read on its event loop.
struct Caller: Sendable {
    /// nil: the node does not require authentication, and every request is allowed.
    var rights: AccessRights?
    /// For logs and the audit log: the principal, or the client's address.
    var name: String
    /// The client's address.
    var peer: String
    /// When the credential expires, on the event loop's clock; nil: never.
    var expiresAt: NIODeadline?
    var bucket: RateBucket?

    /// No authentication, no rate limit: nothing to check per request.
    var checksNothing: Bool { rights == nil && expiresAt == nil && bucket == nil }
}
