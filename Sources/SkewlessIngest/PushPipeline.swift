import Foundation
import SkewlessModel
import Synchronization

/// Streams rows from a file or a pipe into a feature view as they arrive (`fsctl push`):
/// reads CSV or JSON Lines incrementally, checks each row against the view, groups rows
/// into batches by size and time, keeps at most `maxInFlight` batches awaiting their
/// acknowledgement (reading waits while they are busy, so a slow node slows the producer
/// rather than growing a queue), and retries a batch that failed for want of a node with
/// the same idempotency key, so it is stored once.
///
/// The decisions are `StateMachine`'s; this type performs them: a `FileDescriptorReader`
/// thread reads, child tasks send and sleep, and every result comes back as an event on one
/// stream, handled in order by `run`. Sending goes through `send`, so this module needs no
/// networking: fsctl passes `FeatureClient.write`, tests pass what they like.
package final class PushPipeline: Sendable {
    /// Sends one batch with its key; an error's code decides whether it is retried.
    package typealias Send = @Sendable (PushBatch) async throws(SkewlessError) -> PushAcknowledgement

    private enum Event: Sendable {
        case input(FileDescriptorReader.Chunk)
        case completed(PushBatch, Result<PushAcknowledgement, SkewlessError>)
        case retrying(String)
        case woke
        case progress
        case interrupted
    }

    let file: String
    let format: InputFormat
    let validator: RowValidator
    let options: PushOptions
    private let send: Send
    private let report: @Sendable (PushEvent) -> Void
    private let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let hasRun = Atomic<Bool>(false)

    /// - Parameters:
    ///   - file: the input as the user named it (`-`: standard input), for messages.
    ///   - validator: checks rows against the view; give it `refusesCreatedTime` (the
    ///     write log stamps created times), as fsctl does.
    ///   - report: bad rows, retries and progress, in order, from the task running `run`.
    package init(
        file: String, format: InputFormat, validator: RowValidator, options: PushOptions,
        send: @escaping Send, report: @escaping @Sendable (PushEvent) -> Void
    ) {
        self.file = file
        self.format = format
        self.validator = validator
        self.options = options
        self.send = send
        self.report = report
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    /// Stops reading, sends what was read, waits for the acknowledgements, and makes `run`
    /// return (what SIGINT and SIGTERM do in fsctl). Safe from any thread or task.
    package func interrupt() {
        continuation.yield(.interrupted)
    }

    /// Pushes the input until it ends, `interrupt()`, or a failure. Call it once.
    package func run(reading source: FileDescriptorReader) async -> PushOutcome {
        precondition(!hasRun.exchange(true, ordering: .relaxed), "a PushPipeline runs once")
        let start = ContinuousClock.now
        var machine = StateMachine(file: file, format: format, validator: validator, options: options)
        let continuation = continuation
        source.start { chunk in continuation.yield(.input(chunk)) }
        await withDiscardingTaskGroup { group in
            if let interval = options.progressInterval {
                group.addTask {
                    while (try? await Task.sleep(for: interval)) != nil {
                        continuation.yield(.progress)
                    }
                }
            }
            var iterator = events.makeAsyncIterator()
            var actions = machine.start(now: .now)
            while perform(actions, in: &group, source: source), let event = await iterator.next() {
                let now = ContinuousClock.now
                switch event {
                case .input(let chunk): actions = machine.received(chunk, now: now, wallClock: WallClock.nowMicros())
                case .completed(let batch, let result): actions = machine.completed(batch, result, now: now)
                case .retrying(let message): actions = machine.retrying(message)
                case .woke: actions = machine.woke(now: now)
                case .interrupted: actions = machine.interrupted(now: now)
                case .progress:
                    report(.progress(machine.totals))
                    actions = []
                }
            }
            group.cancelAll()  // the progress ticker and stale wake-ups; no send is in flight
        }
        await source.stop()
        var outcome = machine.outcome
        outcome.elapsed = ContinuousClock.now - start
        return outcome
    }

    /// Performs `actions`; false after `.finish`.
    private func perform(_ actions: [StateMachine.Action], in group: inout DiscardingTaskGroup, source: FileDescriptorReader) -> Bool {
        var goesOn = true
        for action in actions {
            switch action {
            case .send(let batch):
                group.addTask { [send, options, continuation] in
                    let result = await Self.deliver(batch, send: send, options: options) { continuation.yield(.retrying($0)) }
                    continuation.yield(.completed(batch, result))
                }
            case .readMore:
                source.request()
            case .wakeUp(let instant):
                group.addTask { [continuation] in
                    try? await Task.sleep(until: instant, clock: .continuous)
                    continuation.yield(.woke)
                }
            case .report(let event):
                report(event)
            case .finish:
                goesOn = false
            }
        }
        return goesOn
    }

    /// Sends `batch` until it is acknowledged, refused, or `retryFor` has passed since its
    /// first attempt. Every attempt carries the same key, so a batch whose acknowledgement
    /// was lost is not stored twice. Only `unavailable` and `deadlineExceeded` are retried:
    /// other errors say the rows or the request are wrong, and would fail again.
    static func deliver(
        _ batch: PushBatch, send: Send, options: PushOptions, retrying: (String) -> Void
    ) async -> Result<PushAcknowledgement, SkewlessError> {
        let began = ContinuousClock.now
        var backoff = options.firstBackoff
        var attempt = 1
        while true {
            do throws(SkewlessError) {
                return .success(try await send(batch))
            } catch {
                guard error.code == .unavailable || error.code == .deadlineExceeded else { return .failure(error) }
                let pause = backoff * Double.random(in: 0.5...1.0)
                let elapsed = ContinuousClock.now - began
                guard elapsed + pause < options.retryFor else {
                    return .failure(SkewlessError(error.code, "\(error.message) (batch \(batch.number) still failing after \(attempt) \(attempt == 1 ? "attempt" : "attempts") in \(elapsed.formattedSeconds); the retry limit is \(options.retryFor.formattedSeconds))"))
                }
                retrying("batch \(batch.number): \(error); sending it again in \(pause.formattedSeconds) with the same idempotency key (attempt \(attempt + 1))")
                try? await Task.sleep(for: pause)
                backoff = min(backoff * 2, options.maxBackoff)
                attempt += 1
            }
        }
    }
}

extension Duration {
    /// `0.25 s`, `61.0 s`.
    var formattedSeconds: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return String(format: seconds < 10 ? "%.2f s" : "%.1f s", seconds)
    }
}
