import SkewlessModel
/// A system under test: Skewless through the SDK, or the Redis baseline. The same harness,
/// keys and request shapes drive every target.
package protocol BenchmarkTarget: Sendable {
    /// "skewless", "redis".
    var name: String { get }
    /// One connection (the harness opens `LoadModel.connections` of them).
    func connect() async throws(SkewlessError) -> any TargetConnection
}

/// One connection of a target; requests may be in flight on it concurrently.
package protocol TargetConnection: Sendable {
    /// Fetches every feature of the shape for these entity ids.
    func fetch(_ ids: [Int64]) async -> FetchOutcome
    func close() async
    /// Where the harness runs the tasks that call `fetch`: the executor on the connection's
    /// event loops, as a latency-minded client of that target would use. Nil: the default.
    var taskExecutor: (any TaskExecutor)? { get }
}

extension TargetConnection {
    package var taskExecutor: (any TaskExecutor)? { nil }
}

/// How one request ended.
package enum FetchOutcome: Sendable, Hashable {
    case success
    /// The deadline passed first.
    case timeout
    case failure(String)
}
