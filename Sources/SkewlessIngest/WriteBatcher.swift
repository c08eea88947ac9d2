/// Groups a stream of rows into write batches and holds back the producer when the node is
/// slow: the state of `fsctl push` between reading and sending, as a value with no clock and
/// no I/O (the caller passes the time), so that it can be tested step by step.
///
/// - A batch closes when it has `maxRows` rows or `maxBytes` bytes of input, or when its
///   first row has waited `maxWait`, whichever comes first: a burst goes out in full
///   batches, and a lone row waits `maxWait`, not for the rows that would fill its batch.
/// - At most `maxInFlight` batches are sent and not yet acknowledged. A batch due while all
///   are busy stays open and keeps taking rows until a slot frees (so a slow node gets
///   fewer, larger batches), and once a full batch is waiting for a slot, `acceptsRows` is
///   false: the caller stops reading its input until an acknowledgement. Memory holds at
///   most `maxInFlight` batches in flight, one waiting and the rows of one read.
package struct WriteBatcher<Row: Sendable>: Sendable {
    package struct Limits: Sendable, Hashable {
        package var maxRows: Int
        /// Input bytes per batch: a row alone may pass it; rows are never split.
        package var maxBytes: Int
        package var maxWait: Duration
        package var maxInFlight: Int

        package init(maxRows: Int, maxBytes: Int = .max, maxWait: Duration, maxInFlight: Int) {
            precondition(maxRows > 0 && maxBytes > 0 && maxInFlight > 0, "batch limits must be positive")
            self.maxRows = maxRows
            self.maxBytes = maxBytes
            self.maxWait = maxWait
            self.maxInFlight = maxInFlight
        }
    }

    /// Rows to send in one write request.
    package struct Batch: Sendable {
        /// 1, 2, 3... in the order batches close.
        package let number: Int
        package let rows: [Row]
        package let byteCount: Int
    }

    package let limits: Limits
    private var open: [Row] = []
    private var openBytes = 0
    /// When the open batch's first row arrived.
    private var openedAt: ContinuousClock.Instant?
    /// Closed batches waiting for a slot, oldest first.
    private var waiting: [Batch] = []
    private var nextNumber = 1
    /// Batches sent and not yet acknowledged (or failed).
    package private(set) var inFlight = 0

    package init(limits: Limits) {
        self.limits = limits
    }

    /// Whether the caller may read more input: no closed batch is waiting for a slot.
    package var acceptsRows: Bool { waiting.isEmpty }

    /// Rows held and not yet sent (open and waiting batches).
    package var unsentRowCount: Int { open.count + waiting.reduce(0) { $0 + $1.rows.count } }

    /// Whether nothing is held or in flight: the stream may end.
    package var isIdle: Bool { open.isEmpty && waiting.isEmpty && inFlight == 0 }

    /// When the open batch is due, if a slot is free to send it then; nil otherwise (an
    /// acknowledgement, not the clock, is what lets it go).
    package var deadline: ContinuousClock.Instant? {
        guard inFlight < limits.maxInFlight, waiting.isEmpty, let openedAt else { return nil }
        return openedAt + limits.maxWait
    }

    /// Adds a row that arrived at `now`, `byteCount` bytes of input.
    package mutating func append(_ row: Row, byteCount: Int, now: ContinuousClock.Instant) {
        if !open.isEmpty, openBytes + byteCount > limits.maxBytes {
            close()
        }
        if open.isEmpty { openedAt = now }
        open.append(row)
        openBytes += byteCount
        if open.count >= limits.maxRows || openBytes >= limits.maxBytes {
            close()
        }
    }

    /// The next batch to send at `now`, counted in flight from here; nil when every slot is
    /// busy or no batch is full or due.
    package mutating func next(now: ContinuousClock.Instant) -> Batch? {
        guard inFlight < limits.maxInFlight else { return nil }
        if waiting.isEmpty, let openedAt, now >= openedAt + limits.maxWait {
            close()
        }
        guard !waiting.isEmpty else { return nil }
        inFlight += 1
        return waiting.removeFirst()
    }

    /// Closes the open batch whatever its age: the input ended or the stream is stopping,
    /// so nothing is worth waiting for.
    package mutating func flush() {
        if !open.isEmpty { close() }
    }

    /// A batch sent by `next` was acknowledged, or failed for good: its slot is free.
    package mutating func completed() {
        precondition(inFlight > 0, "completed() without a batch in flight")
        inFlight -= 1
    }

    /// Drops every row not yet sent (the stream failed): how many there were, and the first.
    package mutating func discardUnsent() -> (count: Int, first: Row?) {
        let count = unsentRowCount
        let first = waiting.first?.rows.first ?? open.first
        defer {
            open = []
            openBytes = 0
            openedAt = nil
            waiting = []
        }
        return (count, first)
    }

    private mutating func close() {
        waiting.append(Batch(number: nextNumber, rows: open, byteCount: openBytes))
        nextNumber += 1
        open = []
        openBytes = 0
        openedAt = nil
    }
}
