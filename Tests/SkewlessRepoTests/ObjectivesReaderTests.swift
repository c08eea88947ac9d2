import SkewlessModel
import Testing

@testable import SkewlessRepo

@Suite struct ObjectivesReaderTests {
    static func yaml(_ objectives: String) -> String {
        """
        project: p
        entities:
          - {name: user, join_keys: [{name: user_id, type: int64}]}
        feature_views:
          - name: v
            entities: [user]
            ttl: 1h
            objectives:
        \(objectives)
            fields:
              - {name: f, type: float}
        """
    }

    @Test func aViewDeclaresItsStalenessCompletenessAndDriftObjectives() throws {
        let repo = try FeatureRepoLoader.load(
            yaml: Self.yaml("      max_staleness: 2h\n      min_completeness: 0.95\n      max_psi: 0.2\n      max_ks: 0.05"), file: "r.yaml")
        let objectives = try #require(repo.featureView(named: "v")?.objectives)
        #expect(objectives == ViewObjectives(maxStalenessSeconds: 7_200, minCompleteness: 0.95, maxPSI: 0.2, maxKS: 0.05))
    }

    @Test func aViewWithoutObjectivesHasNone() throws {
        let repo = try FeatureRepoLoader.load(yaml: Self.yaml("      {}"), file: "r.yaml")
        #expect(repo.featureView(named: "v")?.objectives == ViewObjectives())
    }

    @Test(arguments: [
        ("      min_completeness: 1.5", "'min_completeness' of feature view 'v' is '1.5': give a number from 0 to 1.0"),
        ("      max_psi: lots", "'max_psi' of feature view 'v' is 'lots'"),
        ("      max_staleness: 2 hours", "'max_staleness' of feature view 'v'"),
        ("      max_stalenes: 2h", "did you mean 'max_staleness'?"),
    ])
    func badObjectivesAreRejectedWithWhatToWrite(objectives: String, message: String) {
        let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(yaml: Self.yaml(objectives), file: "r.yaml") }
        #expect(error.map { "\($0)".contains(message) } == true, "\(error.map { "\($0)" } ?? "")")
    }
}
