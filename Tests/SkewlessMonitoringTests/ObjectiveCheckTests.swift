import SkewlessModel
import Testing

@testable import SkewlessMonitoring

@Suite struct ObjectiveCheckTests {
    static let now: Int64 = 1_765_000_000_000_000
    static let second: Int64 = 1_000_000

    static func repo() throws -> FeatureRepo {
        let user = Entity(name: "user", joinKeys: [JoinKey(name: "user_id", type: .int64)])
        let fields = [Field(name: "amount", type: .double)]
        return try FeatureRepo(
            project: "test", entities: [user],
            featureViews: [
                FeatureView(
                    name: "payments", entities: ["user"], fields: fields, ttlSeconds: 86_400,
                    objectives: ViewObjectives(maxStalenessSeconds: 3_600, minCompleteness: 0.9)),
                FeatureView(name: "profile", entities: ["user"], fields: fields, ttlSeconds: 600),
                FeatureView(name: "profile", version: 2, entities: ["user"], fields: fields, ttlSeconds: 600),
            ],
            featureServices: [])
    }

    @Test func aFreshCompleteViewMeetsItsObjectives() throws {
        let check = try ObjectiveCheck(repo: Self.repo(), selection: .declared, minimumReads: 100)
        let results = check.evaluate(
            ["payments@1": ServingObservation(
                featureView: "payments@1", newestEventTime: Self.now - 60 * Self.second,
                reads: ReadCounts(present: 950, notFound: 30, defaulted: 20))],
            nowMicros: Self.now)
        #expect(results.map(\.featureView) == ["payments@1", "payments@1"], "only views that declare objectives")
        #expect(results.allSatisfy { $0.outcome == .met }, "\(results)")
        #expect(results[0].observed == 60 && results[0].target == 3_600 && results[0].targetSource == "objectives")
        #expect(results[1].observed == 0.95)
    }

    @Test func aStaleViewAndAnIncompleteOneAreViolations() throws {
        let check = try ObjectiveCheck(repo: Self.repo(), selection: .declared, minimumReads: 100)
        let results = check.evaluate(
            ["payments@1": ServingObservation(
                featureView: "payments@1", newestEventTime: Self.now - 7_200 * Self.second,
                reads: ReadCounts(present: 800, notFound: 100, null: 50, outsideTTL: 30, defaulted: 20))],
            nowMicros: Self.now)
        #expect(results.map(\.outcome) == [.violated, .violated])
        #expect(results[0].observed == 7_200)
        #expect(results[0].detail.contains("2h old, over 60m"), "\(results[0].detail)")
        #expect(results[1].observed == 0.8, "defaults, nulls and stale values count against completeness")
        #expect(results[1].detail.contains("80.0%") && results[1].detail.contains("below 90.0%"), "\(results[1].detail)")
    }

    @Test func aViewNoNodeHoldsIsStaleAndTooFewLookupsAreNotJudged() throws {
        let check = try ObjectiveCheck(repo: Self.repo(), selection: .declared, minimumReads: 100)
        let results = check.evaluate(
            ["payments@1": ServingObservation(featureView: "payments@1", reads: ReadCounts(present: 10, notFound: 89))],
            nowMicros: Self.now)
        #expect(results[0].outcome == .violated && results[0].observed == nil && results[0].detail.contains("never materialized"))
        #expect(results[1].outcome == .notEnoughData && results[1].detail.contains("99 lookups"))
    }

    @Test func viewsWithoutObjectivesAreHeldToTheirTTLWhenNamed() throws {
        let check = try ObjectiveCheck(repo: Self.repo(), selection: .named(["profile"]), minimumReads: 1)
        let results = check.evaluate(
            ["profile@1": ServingObservation(featureView: "profile@1", newestEventTime: Self.now - 601 * Self.second),
             "profile@2": ServingObservation(featureView: "profile@2", newestEventTime: Self.now - 599 * Self.second)],
            nowMicros: Self.now)
        #expect(results.map(\.featureView) == ["profile@1", "profile@2"], "a bare name means every version")
        #expect(results.map(\.outcome) == [.violated, .met])
        #expect(results.allSatisfy { $0.targetSource == "ttl" && $0.target == 600 })
        #expect(try ObjectiveCheck(repo: Self.repo(), selection: .all, minimumReads: 1).views.count == 3)
    }

    @Test func anUnknownViewIsAnErrorNamingTheKnownOnes() throws {
        #expect {
            _ = try ObjectiveCheck(repo: Self.repo(), selection: .named(["paymnets"]), minimumReads: 1)
        } throws: { error in
            let error = error as? SkewlessError
            return error?.code == .notFound && error?.message.contains("payments@1") == true
        }
    }

    @Test func countsOfSeveralNodesAddUpAndARestartedNodeCountsFromZero() {
        let a = ServingObservation(featureView: "v@1", newestEventTime: 5, reads: ReadCounts(present: 3, notFound: 1))
        let b = ServingObservation(featureView: "v@1", newestEventTime: 9, reads: ReadCounts(present: 2, defaulted: 4))
        let merged = a.merged(with: b)
        #expect(merged.newestEventTime == 9 && merged.reads == ReadCounts(present: 5, notFound: 1, defaulted: 4))
        #expect(ReadCounts(present: 10, notFound: 4).since(ReadCounts(present: 7, notFound: 1)) == ReadCounts(present: 3, notFound: 3))
        #expect(ReadCounts(present: 2).since(ReadCounts(present: 7)) == ReadCounts(present: 2), "a restart between the readings")
    }
}
