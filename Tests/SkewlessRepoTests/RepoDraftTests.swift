import SkewlessModel
import Testing

@testable import SkewlessRepo

/// Problems that need the whole repo: references, duplicates and the rules `FeatureRepo`
/// checks. Each must point at the definition or reference it concerns (marked `# <-`).
@Suite struct RepoDraftTests {
    static let entities = RepoFileReaderTests.entities
    static let withView = RepoFileReaderTests.withView

    static let semanticErrors: [BadRepo] = [
        BadRepo("unknown entity in a view", entities + """

            feature_views:
              - name: stats
                entities:
                  - user
                  - usr # <-
                ttl: 1h
                fields: [{name: a, type: int64}]
            """, ["feature view 'stats' names unknown entity 'usr' (did you mean 'user'?); known entities: merchant, user"], column: 9),
        BadRepo("view defined twice", withView + """

              - name: stats # <-
                entities: [user]
                ttl: 1h
                fields: [{name: c, type: int64}]
            """, ["feature view 'stats' version 1 is defined twice", "(first at repo/bad.yaml:9:11)"], column: 11),
        BadRepo("field defined twice", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                fields:
                  - {name: a, type: int64}
                  - {name: a, type: float} # <-
            """, ["feature view 'stats' has two fields named 'a' (first at repo/bad.yaml:13:16)"], column: 16),
        BadRepo("entity defined twice", entities + """

              - name: user # <-
                join_keys: [{name: user_id, type: int64}]
            """, ["entity 'user' is defined twice (first at repo/bad.yaml:3:11)"]),
        BadRepo("serve_default without a default", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                staleness: serve_default
                fields:
                  - {name: a, type: int64, default: 0}
                  - {name: b, type: float} # <-
            """, ["field 'b' has no default, but view 'stats' has staleness policy serve_default"]),
        BadRepo("invalid field name", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                fields:
                  - name: 9lives # <-
                    type: int64
            """, ["field name '9lives' in view 'stats' is not valid"], column: 15),
        BadRepo("field named like a join key", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                fields:
                  - {name: user_id, type: int64} # <-
            """, ["field 'user_id' of view 'stats' has the name of a join key"]),
        BadRepo("invalid view name", entities + """

            feature_views:
              - name: user stats # <-
                entities: [user]
                ttl: 1h
                fields: [{name: a, type: int64}]
            """, ["feature view name 'user stats' is not valid"]),
        BadRepo("view without fields", entities + """

            feature_views:
              - name: stats # <-
                entities: [user]
                ttl: 1h
                fields: []
            """, ["feature view 'stats' has no fields"]),
        BadRepo("invalid project name", "project: my project # <-\n", ["project name 'my project' is not valid"], column: 10),
        BadRepo("join key with two types", entities + """

              - name: pair # <-
                join_keys: [{name: user_id, type: string}, {name: merchant_id, type: string}]
            """, ["join key 'user_id' is string in entity 'pair' but int64 in entity 'user'"]),
        BadRepo("entity without join keys", """
            project: demo
            entities:
              - name: user # <-
                join_keys: []
            """, ["entity 'user' has no join keys"]),
        BadRepo("service with an unknown view", withView + """

            feature_services:
              - name: svc
                features:
                  - stats:a
                  - stat:b # <-
            """, ["feature service 'svc': unknown feature view 'stat'"], column: 9),
        BadRepo("service with an unknown version", withView + """

            feature_services:
              - name: svc
                features: ["stats@3:a"] # <-
            """, ["feature service 'svc': feature view 'stats' has no version 3 (known: 1)"]),
        BadRepo("group with an unknown field", withView + """

            feature_services:
              - name: svc
                features:
                  - view: stats
                    fields:
                      - a
                      - count # <-
            """, ["feature service 'svc': feature view 'stats@1' has no field 'count'; its fields: a, b"], column: 13),
        BadRepo("service listing a feature twice", withView + """

            feature_services:
              - name: svc
                features:
                  - stats:a
                  - stats@1:a # <-
            """, ["feature service 'svc' lists 'stats@1:a' twice (first at repo/bad.yaml:18:9)"]),
        BadRepo("service without features", withView + """

            feature_services:
              - name: svc # <-
                features: []
            """, ["feature service 'svc' lists no features"]),
        BadRepo("service defined twice", withView + """

            feature_services:
              - {name: svc, features: [stats:a]}
              - {name: svc, features: [stats:b]} # <-
            """, ["feature service 'svc' is defined twice"]),
        BadRepo("invalid service name", withView + """

            feature_services:
              - {name: "svc!", features: [stats:a]} # <-
            """, ["feature service name 'svc!' is not valid"]),
    ]

    @Test(arguments: semanticErrors)
    func pointsAtTheDefinition(_ bad: BadRepo) {
        let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(yaml: bad.yaml, file: "repo/bad.yaml") }
        #expect(error?.file == "repo/bad.yaml")
        #expect(bad.expectedLine != nil, "the case has no '# <-' marker")
        #expect(error?.line == bad.expectedLine, "\(error?.description ?? "no error")")
        if let column = bad.column {
            #expect(error?.column == column, "\(error?.description ?? "no error")")
        }
        for phrase in bad.phrases {
            #expect(error?.message.contains(phrase) == true, "expected '\(phrase)' in: \(error?.description ?? "no error")")
        }
    }

    @Test func missingProjectNamesTheRepo() {
        let error = #expect(throws: RepoError.self) {
            try FeatureRepoLoader.load(yaml: "entities: []\n", file: "repo/no-project.yaml")
        }
        #expect(error?.file == "repo/no-project.yaml")
        #expect(error?.line == nil)
        #expect(error?.message.contains("no 'project' in the feature repo: add a line 'project: <name>'") == true)
    }

    @Test func projectTwiceWithDifferentValues() {
        var draft = RepoDraft()
        #expect(throws: Never.self) { try draft.setProject("a", at: SourceLocation(file: "one.yaml", line: 1, column: 10)) }
        #expect(throws: Never.self) { try draft.setProject("a", at: SourceLocation(file: "two.yaml", line: 1, column: 10)) }
        let error = #expect(throws: RepoError.self) { try draft.setProject("b", at: SourceLocation(file: "three.yaml", line: 4, column: 10)) }
        #expect(error?.description == "three.yaml:4:10: project is 'b' here but 'a' at one.yaml:1:10: a feature repo has one project; declare it once")
    }
}
