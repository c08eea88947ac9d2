/// What a node serves for a row older than its view's TTL.
public enum StalenessPolicy: String, Sendable, Hashable, CaseIterable {
    /// Serve the stale value with status `outsideTTL`.
    case serveFlagged = "serve_flagged"
    /// Serve each field's declared default with status `defaulted`. Every field must declare one.
    case serveDefault = "serve_default"
    /// Refuse: a request that touches a stale row of this view fails with `failedPrecondition`.
    /// For views such as fraud features, where a guess is worse than no answer.
    case failClosed = "fail_closed"
}
