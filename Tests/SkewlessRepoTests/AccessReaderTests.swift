import Foundation
import SkewlessModel
import Testing

@testable import SkewlessRepo

/// `access:` and `pii:` in a feature repo: what they read into, and each mistake reported at
/// its file and line.
@Suite struct AccessReaderTests {
    /// Views `stats` (a, and b tagged PII) at versions 1 and 2 (2 adds c), and a service `svc`.
    static let repo = RepoFileReaderTests.entities + """

        feature_views:
          - name: stats
            entities: [user]
            ttl: 1h
            fields:
              - {name: a, type: int64}
              - {name: b, type: float, pii: true}
          - name: stats
            version: 2
            entities: [user]
            ttl: 1h
            fields:
              - {name: a, type: int64}
              - {name: b, type: float, pii: true}
              - {name: c, type: bool}
        feature_services:
          - name: svc
            features: [stats:a]
        """

    @Test func readsThePolicyAndPIITags() throws {
        let loaded = try FeatureRepoLoader.load(yaml: Self.repo + """

            access:
              groups:
                risk: [alice, fraud-scorer]
              admins: [ops, group:risk]
              peers: [node-1, node-2]
              grants:
                - to: [group:risk, bob]
                  read:
                    services: [svc]
                    views: [stats, stats@2]
                    features: [stats:b, "stats@2:c"]
                  write:
                    views: [stats@1]
                - to: ["*"]
                  read: {services: [svc]}
            """, file: "a.yaml")
        let policy = try #require(loaded.access)
        #expect(policy.groups == ["risk": ["alice", "fraud-scorer"]])
        #expect(policy.admins == ["ops", "group:risk"])
        #expect(policy.peers == ["node-1", "node-2"])
        #expect(policy.grants.count == 2)
        #expect(policy.grants[0].to == ["group:risk", "bob"])
        #expect(policy.grants[0].readServices == ["svc"])
        #expect(policy.grants[0].readViews == ["stats", "stats@2"])
        #expect(policy.grants[0].readFeatures == [FeatureReference(view: "stats", field: "b"), FeatureReference(view: "stats", version: 2, field: "c")])
        #expect(policy.grants[0].writeViews == ["stats@1"])
        #expect(policy.grants[1].to == ["*"])
        #expect(policy.isAdmin("fraud-scorer", groups: policy.groups(of: "fraud-scorer")))
        #expect(!policy.isAdmin("bob", groups: policy.groups(of: "bob")))
        #expect(policy.grants(for: "carol", groups: []).count == 1, "* matches every principal")
        #expect(loaded.featureView(named: "stats", version: 1)?.fields.map(\.pii) == [false, true])
    }

    @Test func aRepoWithoutAccessHasNone() throws {
        #expect(try FeatureRepoLoader.load(yaml: Self.repo, file: "a.yaml").access == nil)
    }

    static let errors: [BadRepo] = [
        BadRepo("pii not a boolean", RepoFileReaderTests.entities + """

            feature_views:
              - name: v
                entities: [user]
                ttl: 1h
                fields:
                  - {name: a, type: int64, pii: yes} # <-
            """, ["'pii' of field 'a'", "must be true or false"]),
        BadRepo("unknown key in access", repo + "\naccess:\n  admin: [ops] # <-", ["unknown key 'admin' in 'access' (did you mean 'admins'?)"]),
        BadRepo("unknown view in a grant", repo + """

            access:
              grants:
                - to: [bob]
                  read:
                    views: [stast] # <-
            """, ["a grant names unknown feature view 'stast'", "known views: stats"]),
        BadRepo("unknown version in a grant", repo + """

            access:
              grants:
                - to: [bob]
                  write:
                    views: [stats@3] # <-
            """, ["'stats@3'", "no version 3"]),
        BadRepo("unknown field in a grant", repo + """

            access:
              grants:
                - to: [bob]
                  read:
                    features:
                      - stats:a
                      - stats:z # <-
            """, ["'stats:z'", "no version of feature view 'stats' has a field 'z'"]),
        BadRepo("a field missing in the version named", repo + """

            access:
              grants:
                - to: [bob]
                  read: {features: ["stats@1:c"]} # <-
            """, ["stats@1", "has no field 'c'"]),
        BadRepo("unknown service in a grant", repo + """

            access:
              grants:
                - to: [bob]
                  read:
                    services: [scv] # <-
            """, ["unknown feature service 'scv'", "did you mean 'svc'?"]),
        BadRepo("unknown group", repo + """

            access:
              groups:
                risk: [alice]
              admins:
                - group:rsk # <-
            """, ["unknown group 'rsk'", "risk"]),
        BadRepo("a principal with a space", repo + """

            access:
              peers: ["node 1"] # <-
            """, ["'node 1' is not a principal"]),
        BadRepo("nested groups", repo + """

            access:
              groups:
                a: [alice]
                b: [group:a] # <-
            """, ["groups do not nest"]),
        BadRepo("a grant to nobody", repo + """

            access:
              grants:
                - to: [] # <-
                  read: {views: [stats]}
            """, ["names nobody"]),
        BadRepo("a grant of nothing", repo + """

            access:
              grants:
                - to: [bob] # <-
            """, ["grants nothing"]),
        BadRepo("a malformed feature", repo + """

            access:
              grants:
                - to: [bob]
                  read: {features: [stats]} # <-
            """, ["not of the form view:field"]),
    ]

    @Test(arguments: errors)
    func pointsAtTheLine(_ bad: BadRepo) {
        let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(yaml: bad.yaml, file: "repo/access.yaml") }
        #expect(error?.file == "repo/access.yaml")
        #expect(error?.line == bad.expectedLine, "\(error?.description ?? "no error")")
        for phrase in bad.phrases {
            #expect(error?.message.contains(phrase) == true, "expected '\(phrase)' in: \(error?.description ?? "no error")")
        }
    }

    @Test func accessIsDeclaredOnce() throws {
        let directory = NSTemporaryDirectory() + "skewless-access-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.repo.write(toFile: directory + "/a.yaml", atomically: true, encoding: .utf8)
        try "access:\n  admins: [ops]\n".write(toFile: directory + "/b.yaml", atomically: true, encoding: .utf8)
        try "access:\n  admins: [root]\n".write(toFile: directory + "/c.yaml", atomically: true, encoding: .utf8)
        let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(path: directory) }
        #expect(error?.file == directory + "/c.yaml")
        #expect(error?.line == 1)
        #expect(error?.message.contains("'access' is declared twice (first at \(directory)/b.yaml:1") == true, "\(error?.description ?? "")")
    }
}
