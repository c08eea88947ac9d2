import JWTKit

/// The claims of a JWT the node reads: `sub` names the principal, `exp` is required, `iss`,
/// `aud` and `nbf` are checked when present (and `iss`, `aud` required when the node names
/// them), `groups` adds groups to those the repo's policy lists.
struct TokenClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var groups: [String]?

    /// `TokenVerifier` checks the claims itself, synchronously.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
