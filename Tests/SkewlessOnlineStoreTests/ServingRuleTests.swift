import SkewlessModel
import Testing
@testable import SkewlessOnlineStore

@Suite struct ServingRuleTests {
    @Test func aRowExactlyAtTheTTLIsFreshAndOneMicrosecondLaterIsStale() {
        let now: Int64 = 1_000 * Fixtures.second
        #expect(RowFreshness(eventTime: now - 60 * Fixtures.second, nowMicros: now, ttlSeconds: 60) == .fresh)
        #expect(RowFreshness(eventTime: now - 60 * Fixtures.second - 1, nowMicros: now, ttlSeconds: 60) == .stale)
        #expect(RowFreshness(eventTime: now, nowMicros: now, ttlSeconds: 60) == .fresh)
    }

    @Test func futureRowsAreFreshAndExtremeTimesDoNotOverflow() {
        #expect(RowFreshness(eventTime: 5 * Fixtures.second, nowMicros: 0, ttlSeconds: 1) == .fresh)
        #expect(RowFreshness(eventTime: .min, nowMicros: .max, ttlSeconds: 1) == .stale)
        #expect(RowFreshness(eventTime: .min, nowMicros: .max, ttlSeconds: .max) == .fresh)
        #expect(RowFreshness(eventTime: .max, nowMicros: .min, ttlSeconds: 1) == .fresh)
        #expect(RowFreshness.ageMicros(eventTime: .min, nowMicros: .max) == .max)
        #expect(RowFreshness.ttlMicros(.max) == .max)
    }

    struct Case: Sendable, CustomStringConvertible {
        var freshness: RowFreshness
        var isNull: Bool
        var hasDefault: Bool
        var policy: StalenessPolicy
        var expected: ValueSource
        var description: String { "\(freshness) null=\(isNull) default=\(hasDefault) \(policy) -> \(expected)" }
    }

    /// The whole rule written out, one line per combination, independently of the code.
    static let table: [Case] = {
        var cases: [Case] = []
        for policy in StalenessPolicy.allCases {
            for isNull in [false, true] {
                cases.append(Case(freshness: .missing, isNull: isNull, hasDefault: true, policy: policy, expected: .fieldDefault))
                cases.append(Case(freshness: .missing, isNull: isNull, hasDefault: false, policy: policy, expected: .placeholder(.notFound)))
            }
            cases.append(Case(freshness: .fresh, isNull: false, hasDefault: true, policy: policy, expected: .stored(.present)))
            cases.append(Case(freshness: .fresh, isNull: false, hasDefault: false, policy: policy, expected: .stored(.present)))
            cases.append(Case(freshness: .fresh, isNull: true, hasDefault: true, policy: policy, expected: .fieldDefault))
            cases.append(Case(freshness: .fresh, isNull: true, hasDefault: false, policy: policy, expected: .placeholder(.nullValue)))
        }
        // serve_flagged, and fail_closed (only asked once the caller decided not to refuse).
        for policy in [StalenessPolicy.serveFlagged, .failClosed] {
            cases.append(Case(freshness: .stale, isNull: false, hasDefault: true, policy: policy, expected: .stored(.outsideTTL)))
            cases.append(Case(freshness: .stale, isNull: false, hasDefault: false, policy: policy, expected: .stored(.outsideTTL)))
            cases.append(Case(freshness: .stale, isNull: true, hasDefault: true, policy: policy, expected: .fieldDefault))
            cases.append(Case(freshness: .stale, isNull: true, hasDefault: false, policy: policy, expected: .placeholder(.nullValue)))
        }
        cases.append(Case(freshness: .stale, isNull: false, hasDefault: true, policy: .serveDefault, expected: .fieldDefault))
        cases.append(Case(freshness: .stale, isNull: true, hasDefault: true, policy: .serveDefault, expected: .fieldDefault))
        // A serve_default field without a default (a repo rejects it) is served as flagged.
        cases.append(Case(freshness: .stale, isNull: false, hasDefault: false, policy: .serveDefault, expected: .stored(.outsideTTL)))
        cases.append(Case(freshness: .stale, isNull: true, hasDefault: false, policy: .serveDefault, expected: .placeholder(.nullValue)))
        return cases
    }()

    @Test func theTableCoversEveryCombination() {
        #expect(Self.table.count == RowFreshness.allCases.count * 2 * 2 * StalenessPolicy.allCases.count)
    }

    @Test(arguments: table)
    func sourceFollowsTheRule(_ rule: Case) {
        let source = ServingRule.source(freshness: rule.freshness, isNull: rule.isNull, hasDefault: rule.hasDefault, policy: rule.policy)
        #expect(source == rule.expected)
        #expect(FieldServing(hasDefault: rule.hasDefault, policy: rule.policy).source(rule.freshness, isNull: rule.isNull) == rule.expected)
        #expect(source.status.hasValue == (source != .placeholder(.notFound) && source != .placeholder(.nullValue)))
    }
}
