/// How fast a node takes new connections from its listening socket: a token bucket of
/// `perSecond` accepts, holding at most `burst`. Connections beyond the rate wait in the
/// kernel's accept queue (and, once it is full, their SYNs are dropped and retried by the
/// client's kernel), where they cost the node nothing; connections already open are never
/// affected. A client that opens and closes connections in a loop can then take only a
/// bounded share of the node's CPU (docs/protocol.md, "New connections").
///
/// A value type over a monotonic clock in nanoseconds, so its arithmetic is tested without
/// sockets or sleeps; `AcceptPacingHandler` drives it on the listening channel.
struct AcceptPacing: Sendable {
    /// Accepts a second; 0: no limit.
    let perSecond: Int
    /// Accepts the bucket holds when full: how many a node idle for a while takes at once.
    let burst: Int
    /// Accepts available now, in thousandths (an accept takes 1,000); negative only when
    /// connections were accepted beyond what `nextRead` allowed.
    private(set) var milliTokens: Int64
    private var refilledAt: Int64

    init(perSecond: Int, burst: Int, now: Int64) {
        self.perSecond = max(0, perSecond)
        self.burst = max(1, burst)
        milliTokens = Int64(self.burst) * 1_000
        refilledAt = now
    }

    /// Counts one connection accepted at `now`.
    mutating func accepted(now: Int64) {
        guard perSecond > 0 else { return }
        refill(now: now)
        milliTokens -= 1_000
    }

    /// What the listening channel's next read may do at `now`.
    enum Read: Equatable {
        /// Accept up to this many connections now (at most `most`).
        case now(upTo: Int)
        /// Wait this many nanoseconds first.
        case after(nanoseconds: Int64)
    }

    /// The next read at `now`: how many connections it may accept, at most `most` (the
    /// channel's `maxMessagesPerRead`), or how long to wait before it.
    mutating func nextRead(now: Int64, most: Int) -> Read {
        guard perSecond > 0 else { return .now(upTo: most) }
        refill(now: now)
        guard milliTokens < 1_000 else { return .now(upTo: Int(min(Int64(most), milliTokens / 1_000))) }
        // The thousandths missing, earned at perSecond thousandths a millisecond; rounded up.
        let missing = 1_000 - milliTokens
        return .after(nanoseconds: (missing * 1_000_000 + Int64(perSecond) - 1) / Int64(perSecond))
    }

    private mutating func refill(now: Int64) {
        let elapsed = now - refilledAt
        guard elapsed > 0 else { return }
        // Thousandths of a token earned: elapsed ns * perSecond / 1e6, without overflow for
        // any gap a process sees (capped at a full bucket first).
        let full = Int64(burst) * 1_000
        let cap = (full - milliTokens) * 1_000_000 / Int64(perSecond) + 1
        let earned = min(elapsed, max(0, cap)) * Int64(perSecond) / 1_000_000
        guard earned > 0 else { return }
        milliTokens = min(full, milliTokens + earned)
        refilledAt = now
    }
}
