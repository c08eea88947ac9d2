import SkewlessModel

/// When a call that failed is tried again: how many attempts, how long to pause between
/// them, and after which errors. Every attempt stays within the call's deadline.
///
/// An attempt is one request to a single node; in a cluster it is a round over the replicas
/// of the rows' partitions. Within a round the client moves to the next replica at once when
/// one fails with a retryable code (and follows a newer cluster map on a wrong-shard answer,
/// which is not an attempt); only when every replica has been tried does it pause and start
/// the next round.
///
/// ```swift
/// let configuration = FeatureClient.Configuration.defaults(endpoint: node) {
///     $0.retryPolicy = RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(5))
/// }
/// ```
///
/// The pause before attempt n + 1 is `initialBackoff * backoffMultiplier^(n - 1)`, at most
/// `maxBackoff`, with no jitter (a client's retries are few and its deadline is short). No
/// attempt starts when the deadline would pass during the pause before it: the call then
/// fails with the last attempt's error.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts per call, the first included: at least 1 (a value below is taken as 1).
    public var maxAttempts: Int
    /// The pause before the second attempt.
    public var initialBackoff: Duration
    /// The longest pause between two attempts.
    public var maxBackoff: Duration
    /// How much longer each pause is than the one before (at least 1).
    public var backoffMultiplier: Double
    /// The errors after which the request goes to the next replica, or is sent again after
    /// a pause: by default `unavailable` (the node cannot be reached, is loading the
    /// partition or is shutting down), `deadlineExceeded` (a replica did not answer within
    /// its share of the deadline) and `resourceExhausted` (a node limit: its connections, or a
    /// write log's backlog). Anything else (a wrong feature name, a fail-closed view) would
    /// fail the same way again and ends the call at once.
    public var retryableCodes: Set<SkewlessError.Code>

    /// The codes retried by default.
    public static let defaultRetryableCodes: Set<SkewlessError.Code> = [.unavailable, .deadlineExceeded, .resourceExhausted]

    /// - Parameters:
    ///   - maxAttempts: attempts per call, the first included.
    ///   - initialBackoff: the pause before the second attempt.
    ///   - maxBackoff: the longest pause.
    ///   - backoffMultiplier: how much each pause grows.
    ///   - retryableCodes: the errors worth another attempt.
    public init(
        maxAttempts: Int = 3,
        initialBackoff: Duration = .milliseconds(10),
        maxBackoff: Duration = .milliseconds(320),
        backoffMultiplier: Double = 2,
        retryableCodes: Set<SkewlessError.Code> = RetryPolicy.defaultRetryableCodes
    ) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.backoffMultiplier = backoffMultiplier
        self.retryableCodes = retryableCodes
    }

    /// The default: 3 attempts, pauses of 10 ms then 20 ms (at most 320 ms).
    public static let defaults = RetryPolicy()

    /// One attempt only: a failed call fails.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Whether an attempt that failed with `error` is worth another.
    public func retries(_ error: SkewlessError) -> Bool {
        retryableCodes.contains(error.code)
    }

    /// The pause before attempt `attempt + 1`, after attempt `attempt` (from 1) failed.
    public func backoff(after attempt: Int) -> Duration {
        let initial = Double(max(0, initialBackoff.nanosecondsClamped))
        let longest = max(initial, Double(max(0, maxBackoff.nanosecondsClamped)))
        let multiplier = backoffMultiplier.isFinite ? max(1, backoffMultiplier) : 1
        var pause = initial
        var step = 1
        while step < attempt && pause < longest {
            pause *= multiplier
            step += 1
        }
        return .nanoseconds(Int64(min(pause, longest)))
    }

    /// What to do after attempt `attempt` (from 1) failed with `error`, with `remaining` left
    /// before the call's deadline.
    func decision(after error: SkewlessError, attempt: Int, remaining: Duration) -> RetryDecision {
        guard retries(error) else { return .fail(error) }
        guard attempt < max(1, maxAttempts) else {
            return .fail(SkewlessError(error.code, "\(error.message) (gave up after \(Self.attempts(attempt)))"))
        }
        let pause = backoff(after: attempt)
        guard remaining > pause else {
            // A deadline error already says why the call ended.
            if error.code == .deadlineExceeded { return .fail(error) }
            return .fail(SkewlessError(error.code, "\(error.message) (gave up after \(Self.attempts(attempt)) within the deadline)"))
        }
        return .retry(after: pause)
    }

    private static func attempts(_ count: Int) -> String {
        count == 1 ? "1 attempt" : "\(count) attempts"
    }
}

/// What a `RetryPolicy` says after a failed attempt.
enum RetryDecision: Sendable, Equatable {
    /// Pause this long, then make the next attempt.
    case retry(after: Duration)
    /// The call fails with this error.
    case fail(SkewlessError)
}
