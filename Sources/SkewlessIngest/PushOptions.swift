/// How `PushPipeline` batches, bounds and retries a stream of writes (fsctl push's flags).
package struct PushOptions: Sendable {
    /// A batch is sent when it has this many rows...
    package var batchRows = 10_000
    /// ... or this many bytes of input (so that a batch of wide rows, embeddings say, stays
    /// well under the 16 MiB frame limit; values travel more compactly than their text) ...
    package var batchBytes = 8 << 20
    /// ... or when its first row has waited this long, whichever comes first.
    package var batchWait: Duration = .milliseconds(5)
    /// Batches sent and not yet acknowledged; reading stops while they are all busy.
    package var maxInFlight = 4
    /// How long one batch is retried (unavailable, deadline exceeded) before the push fails.
    package var retryFor: Duration = .seconds(60)
    /// The first and the longest pause between attempts (doubling, with jitter).
    package var firstBackoff: Duration = .milliseconds(100)
    package var maxBackoff: Duration = .seconds(5)
    /// Stop after more bad rows than this; nil: never stop for bad rows.
    package var maxBadRows: Int?
    /// How often a `.progress` event is reported; nil: never.
    package var progressInterval: Duration?
    /// Names the run in idempotency keys: `push-<runID>-<batch number>`.
    package var runID: String
    /// The longest record (line) held while waiting for its end.
    package var maxRecordBytes = 16 << 20

    package init(runID: String) {
        self.runID = runID
    }

    /// A random run id: 16 hex digits (64 bits), so that two runs never share a key.
    package static func randomRunID() -> String {
        let value = UInt64.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
