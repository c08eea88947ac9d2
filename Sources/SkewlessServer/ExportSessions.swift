import SkewlessModel
import Synchronization

/// The exports (EXPORT_ROWS) a node is serving: per session, the snapshot of the keys to
/// export, taken when the export started.
///
/// A snapshot makes paging cheap and exact: each page reads the rows of the next keys, like a
/// read of that many keys, and no key is skipped or repeated however the table changes
/// between pages (a key dropped meanwhile is left out; a key first written after the snapshot
/// is not listed, since its writes also went to the node copying, which is a write target of
/// the moving partition from the `loading` epoch on). Sessions idle for `idleMicros` expire,
/// and at most `maxSessions` are kept (the least recently used goes), so a copier that died
/// costs nothing for long; its cursor then answers `FAILED_PRECONDITION` and it starts again.
final class ExportSessions: Sendable {
    static let maxSessions = 16
    static let idleMicros: Int64 = 120_000_000

    private struct Session {
        var view: String
        var partitions: [Int]
        var buckets: [Int]
        var keys: [EntityKey]
        var lastUsedMicros: Int64
    }

    private let sessions = Mutex<[UInt64: Session]>([:])

    /// Starts a session over `keys`; returns its id (never 0).
    /// - Parameter buckets: the digest buckets the export is limited to; empty: all.
    func start(view: String, partitions: [Int], buckets: [Int] = [], keys: [EntityKey], nowMicros: Int64) -> UInt64 {
        sessions.withLock { sessions in
            sessions = sessions.filter { nowMicros - $0.value.lastUsedMicros < Self.idleMicros }
            while sessions.count >= Self.maxSessions, let oldest = sessions.min(by: { $0.value.lastUsedMicros < $1.value.lastUsedMicros }) {
                sessions[oldest.key] = nil
            }
            var id = UInt64.random(in: 1...UInt64.max)
            while sessions[id] != nil { id = UInt64.random(in: 1...UInt64.max) }
            sessions[id] = Session(view: view, partitions: partitions, buckets: buckets, keys: keys, lastUsedMicros: nowMicros)
            return id
        }
    }

    /// Up to `count` keys of a session from `position`, and how many keys it has in all.
    /// - Throws: `FAILED_PRECONDITION` for a session that expired or never existed here (start
    ///   again); `INVALID_ARGUMENT` for a cursor used with another view or other partitions, or
    ///   a position past the end.
    func keys(session id: UInt64, view: String, partitions: [Int], buckets: [Int] = [], from position: Int, count: Int, nowMicros: Int64) throws(SkewlessError) -> (keys: ArraySlice<EntityKey>, total: Int) {
        try sessions.withLock { (sessions) throws(SkewlessError) -> (keys: ArraySlice<EntityKey>, total: Int) in
            guard var session = sessions[id], nowMicros - session.lastUsedMicros < Self.idleMicros else {
                sessions[id] = nil
                throw SkewlessError(.failedPrecondition, "the export expired on this node (idle over \(Self.idleMicros / 1_000_000) s, the node restarted, or too many exports ran at once): start it again with an empty cursor; rows already copied are not copied twice in effect")
            }
            guard session.view == view, session.partitions == partitions, session.buckets == buckets else {
                throw SkewlessError(.invalidArgument, "the cursor belongs to an export of '\(session.view)' partitions \(session.partitions.count), not of '\(view)' partitions \(partitions.count) (or of other buckets): send the same feature_view, partitions and buckets with every page")
            }
            guard position <= session.keys.count else {
                throw SkewlessError(.invalidArgument, "the cursor points past the export's \(session.keys.count) rows: pass back next_cursor unchanged")
            }
            session.lastUsedMicros = nowMicros
            sessions[id] = session
            let end = min(session.keys.count, position + count)
            return (session.keys[position..<end], session.keys.count)
        }
    }

    /// Forgets a finished session.
    func finish(session id: UInt64) {
        sessions.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// Sessions alive now (tests).
    var count: Int { sessions.withLock { $0.count } }
}
