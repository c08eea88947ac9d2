import Foundation
import SkewlessModel
import Testing
@testable import SkewlessServer

/// The sessions of GET_HISTORICAL_FEATURES and INGEST: idle expiry, the limit on their
/// number, and the memory budget of queries.
@Suite struct OfflineSessionsTests {
    static func query(_ sessions: OfflineSessions, now: Int64) throws -> UInt64 {
        let repo = try TestNode.sampleRepo()
        let feature = try repo.resolve(FeatureReference(parsing: "user_transactions:txn_count_1h"))
        let query = HistoricalSession(id: sessions.newID(), selection: .init(features: [feature], joinKeys: repo.joinKeys(of: feature.view), views: [feature.view], asOfKnownTime: false))
        sessions.add(.query(query), id: query.id, nowMicros: now)
        return query.id
    }

    @Test func aSessionInUseNeverExpiresAndAnIdleOneDoes() throws {
        let sessions = OfflineSessions(budgetBytes: 1 << 20)
        let id = try Self.query(sessions, now: 0)
        // In use (added, not released) for longer than the idle time: kept.
        sessions.sweep(nowMicros: 10 * OfflineSessions.idleMicros)
        #expect(sessions.count == 1)
        sessions.release(id, nowMicros: 10 * OfflineSessions.idleMicros)
        sessions.sweep(nowMicros: 11 * OfflineSessions.idleMicros - 1)
        #expect(sessions.count == 1)
        sessions.sweep(nowMicros: 11 * OfflineSessions.idleMicros)
        #expect(sessions.count == 0)
        #expect(throws: SkewlessError.self) { try sessions.acquire(id, nowMicros: 11 * OfflineSessions.idleMicros) }
    }

    @Test func theLeastRecentlyUsedIdleSessionMakesRoomForANewOne() throws {
        let sessions = OfflineSessions(budgetBytes: 1 << 20)
        var ids: [UInt64] = []
        for time in 0..<OfflineSessions.maxSessions {
            let id = try Self.query(sessions, now: Int64(time))
            sessions.release(id, nowMicros: Int64(time))
            ids.append(id)
        }
        _ = try sessions.acquire(ids[0], nowMicros: 100)  // in use: not the one to go
        _ = try Self.query(sessions, now: 101)
        #expect(sessions.count == OfflineSessions.maxSessions)
        #expect(throws: SkewlessError.self) { try sessions.acquire(ids[1], nowMicros: 102) }
        _ = try sessions.acquire(ids[0], nowMicros: 102)
    }

    @Test func theBudgetRefusesAQueryTooLargeAloneOrBesideOthersAndFreesWhatAnEndedOneHeld() throws {
        let sessions = OfflineSessions(budgetBytes: 1_000)
        let first = try Self.query(sessions, now: 0)
        let second = try Self.query(sessions, now: 0)
        let alone = #expect(throws: SkewlessError.self) { try sessions.reserve(2_000, for: first, labelRows: 100) }
        #expect(alone?.code == .resourceExhausted)
        #expect(alone?.message.contains("split the labels into queries of at most 50 rows") == true, "\(alone?.message ?? "")")
        try sessions.reserve(600, for: first, labelRows: 10)
        let beside = #expect(throws: SkewlessError.self) { try sessions.reserve(600, for: second, labelRows: 10) }
        #expect(beside?.message.contains("other historical queries hold") == true)
        try sessions.reserve(300, for: first, labelRows: 10)  // a query's reservation replaces its last
        try sessions.reserve(600, for: second, labelRows: 10)
        #expect(sessions.reservedBytes == 900)
        sessions.end(first)
        #expect(sessions.reservedBytes == 600)
    }
}
