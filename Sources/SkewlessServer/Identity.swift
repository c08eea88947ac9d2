/// A principal as the handshake authenticated it.
struct Identity: Sendable, Hashable {
    enum Source: String, Sendable {
        case apiKey = "api key"
        case jwt = "token"
        case certificate = "client certificate"
    }

    var principal: String
    /// Groups the credential claims (a JWT's `groups`), added to those the repo lists.
    var claimedGroups: [String] = []
    /// When the credential stops being valid, µs since the epoch (a JWT's `exp`); nil: never.
    var expiresAtMicros: Int64? = nil
    var source: Source
}
