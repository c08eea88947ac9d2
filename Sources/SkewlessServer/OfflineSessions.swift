import SkewlessModel
import Synchronization

/// The GET_HISTORICAL_FEATURES queries and INGEST ingestions a node is in the middle of
/// (docs/protocol.md sections 18 and 19), by session id, with what the queries may hold.
///
/// Sessions idle for `idleMicros` end (`sweep`, called by the node every few seconds, and at
/// every new session), and at most `maxSessions` are kept: starting one more ends the least
/// recently used. Ending a query frees its labels and answer; ending an ingestion discards its
/// rows and releases its view's lock. The memory queries hold together is bounded by
/// `budgetBytes`, reserved before it is held (`reserve`).
final class OfflineSessions: Sendable {
    static let maxSessions = 16
    static let idleMicros: Int64 = 60_000_000

    /// One session: a query or an ingestion. Its state has a lock of its own, so that a long
    /// join or a segment being written holds up only its own session.
    enum Session: Sendable {
        case query(HistoricalSession)
        case ingestion(IngestionSession)

        /// Frees what the session holds (an ingestion stores nothing).
        func end() {
            switch self {
            case .query(let query): query.end()
            case .ingestion(let ingestion): ingestion.end()
            }
        }
    }

    private struct Entry {
        var session: Session
        var lastUsedMicros: Int64
        /// Bytes reserved against the budget (queries only).
        var reservedBytes = 0
        /// Requests of the session running now: a session in use never expires nor is
        /// forgotten for a newer one (a join may outlast the idle time).
        var active = 1
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var reservedBytes = 0
    }

    let budgetBytes: Int
    private let state = Mutex(State())

    init(budgetBytes: Int) {
        self.budgetBytes = budgetBytes
    }

    /// A new session id: random, never 0, not in use now (`add` the session under it).
    func newID() -> UInt64 {
        state.withLock { state in
            var id = UInt64.random(in: 1...UInt64.max)
            while state.entries[id] != nil { id = UInt64.random(in: 1...UInt64.max) }
            return id
        }
    }

    /// Registers a new session under `id` (from `newID`). Ends idle sessions, and the least
    /// recently used when `maxSessions` are open.
    func add(_ session: Session, id: UInt64, nowMicros: Int64) {
        let ended = state.withLock { state -> [Session] in
            var ended = Self.expire(&state, nowMicros: nowMicros)
            while state.entries.count >= Self.maxSessions,
                let oldest = state.entries.filter({ $0.value.active == 0 }).min(by: { $0.value.lastUsedMicros < $1.value.lastUsedMicros })
            {
                ended.append(Self.remove(oldest.key, from: &state)!)
            }
            if let replaced = Self.remove(id, from: &state) { ended.append(replaced) }
            state.entries[id] = Entry(session: session, lastUsedMicros: nowMicros)
            return ended
        }
        for session in ended { session.end() }
    }

    /// The session `id`, in use until `release`d (a session `add`ed is in use too).
    /// - Throws: `FAILED_PRECONDITION` when it ended (idle, completed, failed, forgotten for
    ///   a newer one, or the node restarted).
    func acquire(_ id: UInt64, nowMicros: Int64) throws(SkewlessError) -> Session {
        try state.withLock { (state) throws(SkewlessError) -> Session in
            guard var entry = state.entries[id], entry.active > 0 || nowMicros - entry.lastUsedMicros < Self.idleMicros else {
                throw SkewlessError(.failedPrecondition, "the cursor's session ended on this node (completed, idle over \(Self.idleMicros / 1_000_000) s, failed, cancelled, forgotten for newer ones, or the node restarted): start again with an empty cursor")
            }
            entry.active += 1
            entry.lastUsedMicros = nowMicros
            state.entries[id] = entry
            return entry.session
        }
    }

    /// Ends a request's use of session `id`: its idle time counts from now.
    func release(_ id: UInt64, nowMicros: Int64) {
        state.withLock { state in
            guard var entry = state.entries[id] else { return }
            entry.active = max(0, entry.active - 1)
            entry.lastUsedMicros = nowMicros
            state.entries[id] = entry
        }
    }

    /// Ends session `id` (nothing when it already ended).
    func end(_ id: UInt64) {
        let session = state.withLock { Self.remove(id, from: &$0) }
        session?.end()
    }

    /// Ends the sessions idle for `idleMicros`.
    func sweep(nowMicros: Int64) {
        let ended = state.withLock { Self.expire(&$0, nowMicros: nowMicros) }
        for session in ended { session.end() }
    }

    /// Ends every session (the node stops).
    func endAll() {
        let ended = state.withLock { state -> [Session] in
            let sessions = state.entries.values.map(\.session)
            state.entries = [:]
            state.reservedBytes = 0
            return sessions
        }
        for session in ended { session.end() }
    }

    /// Sets what session `id` holds to `bytes`, if the budget allows.
    /// - Throws: `RESOURCE_EXHAUSTED`, saying whether the session alone is over the budget or
    ///   other sessions hold it now.
    func reserve(_ bytes: Int, for id: UInt64, labelRows: Int) throws(SkewlessError) {
        try state.withLock { (state) throws(SkewlessError) in
            guard var entry = state.entries[id] else { return }
            let others = state.reservedBytes - entry.reservedBytes
            if bytes > budgetBytes {
                let perRow = max(1, bytes / max(1, labelRows))
                throw SkewlessError(.resourceExhausted, "the query's \(labelRows) label rows need about \(bytes >> 20) MiB on the node, over its historical_memory_bytes of \(budgetBytes >> 20) MiB: split the labels into queries of at most \(budgetBytes / perRow) rows (each label row's answer depends on that row alone, so the parts' answers in order are the whole's)")
            }
            if others + bytes > budgetBytes {
                throw SkewlessError(.resourceExhausted, "other historical queries hold \(others >> 20) MiB of the node's \(budgetBytes >> 20) MiB (historical_memory_bytes) and this one needs \(bytes >> 20) MiB: retry shortly, or send smaller queries")
            }
            state.reservedBytes = others + bytes
            entry.reservedBytes = bytes
            state.entries[id] = entry
        }
    }

    /// Bytes reserved by all sessions (tests, HEALTH).
    var reservedBytes: Int { state.withLock { $0.reservedBytes } }

    /// Sessions open now (tests).
    var count: Int { state.withLock { $0.entries.count } }

    private static func remove(_ id: UInt64, from state: inout State) -> Session? {
        guard let entry = state.entries.removeValue(forKey: id) else { return nil }
        state.reservedBytes -= entry.reservedBytes
        return entry.session
    }

    private static func expire(_ state: inout State, nowMicros: Int64) -> [Session] {
        let idle = state.entries.filter { $0.value.active == 0 && nowMicros - $0.value.lastUsedMicros >= idleMicros }.map(\.key)
        return idle.compactMap { remove($0, from: &state) }
    }
}
