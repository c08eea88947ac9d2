import SkewlessModel
import Testing
@testable import Skewless

/// The retry policy's decisions, as pure functions: which failures are tried again, after
/// what pause, and when the attempts or the deadline run out.
@Suite struct RetryPolicyTests {
    let unavailable = SkewlessError(.unavailable, "cannot connect to 127.0.0.1:7001")

    @Test func pausesDoubleFromTheInitialBackoffUpToTheMaximum() {
        let policy = RetryPolicy.defaults
        #expect((1...7).map { policy.backoff(after: $0) } == [10, 20, 40, 80, 160, 320, 320].map { Duration.milliseconds($0) })
        let gentle = RetryPolicy(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(12), backoffMultiplier: 1.5)
        #expect((1...4).map { gentle.backoff(after: $0) } == [.milliseconds(5), .microseconds(7_500), .microseconds(11_250), .milliseconds(12)])
    }

    @Test func nonsenseSettingsAreTakenAsTheNearestSensibleOnes() {
        // A multiplier below 1 (or not a number) never shrinks the pause; a negative
        // backoff is none; a maximum below the initial pause is the initial pause.
        #expect(RetryPolicy(backoffMultiplier: 0.1).backoff(after: 3) == .milliseconds(10))
        #expect(RetryPolicy(backoffMultiplier: .nan).backoff(after: 3) == .milliseconds(10))
        #expect(RetryPolicy(initialBackoff: .milliseconds(-5)).backoff(after: 2) == .zero)
        #expect(RetryPolicy(initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(1)).backoff(after: 4) == .milliseconds(50))
        #expect(RetryPolicy(backoffMultiplier: .infinity).backoff(after: 9) == .milliseconds(10))
        // Zero attempts is one: the first.
        let none = RetryPolicy(maxAttempts: 0)
        #expect(none.decision(after: unavailable, attempt: 1, remaining: .seconds(5)) == .fail(SkewlessError(.unavailable, "\(unavailable.message) (gave up after 1 attempt)")))
    }

    @Test func aRetryableFailureIsTriedAgainAfterThePause() {
        let policy = RetryPolicy.defaults
        #expect(policy.decision(after: unavailable, attempt: 1, remaining: .seconds(1)) == .retry(after: .milliseconds(10)))
        #expect(policy.decision(after: SkewlessError(.resourceExhausted, "at its connection limit"), attempt: 2, remaining: .seconds(1)) == .retry(after: .milliseconds(20)))
        #expect(policy.decision(after: SkewlessError(.deadlineExceeded, "a replica's share"), attempt: 1, remaining: .seconds(1)) == .retry(after: .milliseconds(10)))
    }

    @Test func otherFailuresEndTheCallAsTheyAre() {
        let policy = RetryPolicy.defaults
        for code in [SkewlessError.Code.invalidArgument, .notFound, .failedPrecondition, .cancelled, .aborted, .internal] {
            let error = SkewlessError(code, "as the node said")
            #expect(policy.decision(after: error, attempt: 1, remaining: .seconds(1)) == .fail(error))
        }
        // Codes are the caller's to choose.
        let onlyLimits = RetryPolicy(retryableCodes: [.resourceExhausted])
        #expect(onlyLimits.decision(after: unavailable, attempt: 1, remaining: .seconds(1)) == .fail(unavailable))
        #expect(!RetryPolicy.none.retries(SkewlessError(.invalidArgument, "x")) && RetryPolicy.none.retries(unavailable))
    }

    @Test func theLastAttemptsFailureSaysHowManyWereMade() {
        let policy = RetryPolicy(maxAttempts: 3)
        #expect(policy.decision(after: unavailable, attempt: 2, remaining: .seconds(1)) == .retry(after: .milliseconds(20)))
        let last = policy.decision(after: unavailable, attempt: 3, remaining: .seconds(1))
        #expect(last == .fail(SkewlessError(.unavailable, "\(unavailable.message) (gave up after 3 attempts)")))
    }

    @Test func noAttemptStartsWhenTheDeadlineWouldPassDuringThePause() {
        let policy = RetryPolicy.defaults
        // 10 ms pause, 10 ms left: the deadline would pass first.
        let late = policy.decision(after: unavailable, attempt: 1, remaining: .milliseconds(10))
        #expect(late == .fail(SkewlessError(.unavailable, "\(unavailable.message) (gave up after 1 attempt within the deadline)")))
        #expect(policy.decision(after: unavailable, attempt: 1, remaining: .milliseconds(11)) == .retry(after: .milliseconds(10)))
        // A deadline that has passed says so itself.
        let expired = SkewlessError(.deadlineExceeded, "no response from 127.0.0.1:7001 within the deadline")
        #expect(policy.decision(after: expired, attempt: 1, remaining: .zero) == .fail(expired))
        #expect(policy.decision(after: expired, attempt: 1, remaining: .milliseconds(-3)) == .fail(expired))
    }

    @Test func theConfigurationsMaxAttemptsIsThePolicys() {
        var configuration = FeatureClient.Configuration.defaults(endpoint: Endpoint(host: "127.0.0.1", port: 1)) { $0.maxAttempts = 1 }
        #expect(configuration.retryPolicy.maxAttempts == 1)
        configuration.retryPolicy = RetryPolicy(maxAttempts: 7, initialBackoff: .milliseconds(1))
        #expect(configuration.maxAttempts == 7)
        #expect(FeatureClient.Configuration(endpoint: configuration.endpoint, maxAttempts: 5).retryPolicy == RetryPolicy(maxAttempts: 5))
        let given = RetryPolicy(maxAttempts: 2, retryableCodes: [.unavailable])
        #expect(FeatureClient.Configuration(endpoint: configuration.endpoint, retryPolicy: given).retryPolicy == given)
    }
}
