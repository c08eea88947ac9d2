import Foundation
import SkewlessModel
import Testing

@testable import SkewlessRepo

/// One bad repo: the line the error must point at is the one marked `# <-`.
struct BadRepo: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String
    /// Each must appear in the message.
    var phrases: [String]
    var column: Int?

    init(_ name: String, _ yaml: String, _ phrases: [String], column: Int? = nil) {
        self.name = name
        self.yaml = yaml
        self.phrases = phrases
        self.column = column
    }

    var expectedLine: Int? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.firstIndex { $0.contains("# <-") }.map { $0 + 1 }
    }

    var testDescription: String { name }
}

@Suite struct RepoFileReaderTests {
    static let entities = """
        project: demo
        entities:
          - name: user
            join_keys:
              - {name: user_id, type: int64}
          - name: merchant
            join_keys: [{name: merchant_id, type: string}]
        """

    /// `entities` and a view `stats` (fields a: int64, b: float) for services to refer to.
    static let withView = entities + """

        feature_views:
          - name: stats
            entities: [user]
            ttl: 1h
            fields:
              - {name: a, type: int64}
              - {name: b, type: float}
        """

    static let structureErrors: [BadRepo] = [
        BadRepo("top level is a list", "- project: demo # <-", ["a feature repo file must be a mapping", "found a list"], column: 1),
        BadRepo("unknown top-level key", entities + "\nfeature_veiws: [] # <-", [
            "unknown key 'feature_veiws' in the top level of a feature repo file (did you mean 'feature_views'?)",
            "expected one of: project, entities, feature_views, feature_services",
        ], column: 1),
        BadRepo("project is a list", "project: [a, b] # <-", ["'project' must be a single value; found a list"], column: 10),
        BadRepo("project has no value", "project: # <-\nentities: []", ["'project' has no value"]),
        BadRepo("entities is a mapping", "project: demo\nentities:\n  name: user # <-", ["'entities' must be a list; found a mapping"], column: 3),
        BadRepo("entity is a scalar", "project: demo\nentities:\n  - user # <-", ["each item of 'entities' must be a mapping", "found 'user'"], column: 5),
        BadRepo("unknown entity key", """
            project: demo
            entities:
              - name: user
                join_key: [{name: user_id, type: int64}] # <-
            """, ["unknown key 'join_key' in entity 'user' (did you mean 'join_keys'?); expected one of: name, join_keys, description"], column: 5),
        BadRepo("entity without join_keys", """
            project: demo
            entities:
              - name: user # <-
                description: nobody
            """, ["entity 'user' is missing the required key 'join_keys'"], column: 5),
        BadRepo("entity without name", """
            project: demo
            entities:
              - join_keys: [{name: user_id, type: int64}] # <-
            """, ["an entity is missing the required key 'name'"]),
        BadRepo("join key is a scalar", """
            project: demo
            entities:
              - name: user
                join_keys: [user_id] # <-
            """, ["each join key of entity 'user' must be a mapping", "found 'user_id'"], column: 17),
        BadRepo("join key type", """
            project: demo
            entities:
              - name: user
                join_keys:
                  - {name: user_id, type: int32} # <-
            """, ["unknown type 'int32' for join key 'user_id' of entity 'user'", "join keys are int64 or string"]),
        BadRepo("join key without type", """
            project: demo
            entities:
              - name: user
                join_keys:
                  - name: user_id # <-
            """, ["join key 'user_id' of entity 'user' is missing the required key 'type'"]),
        BadRepo("unknown view key", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttll: 24h # <-
                fields: [{name: a, type: int64}]
            """, [
                "unknown key 'ttll' in feature view 'stats' (did you mean 'ttl'?)",
                "expected one of: name, version, entities, ttl, staleness, owner, description, tags, objectives, fields",
            ], column: 5),
        BadRepo("view without ttl", entities + """

            feature_views:
              - name: stats # <-
                entities: [user]
                fields: [{name: a, type: int64}]
            """, ["feature view 'stats' is missing the required key 'ttl'"], column: 5),
        BadRepo("view without name", entities + """

            feature_views:
              - entities: [user] # <-
                ttl: 1h
                fields: [{name: a, type: int64}]
            """, ["a feature view is missing the required key 'name'"]),
        BadRepo("ttl without value", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: # <-
                fields: [{name: a, type: int64}]
            """, ["'ttl' of feature view 'stats' has no value"], column: 5),
        BadRepo("ttl with words", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 24 hours # <-
                fields: [{name: a, type: int64}]
            """, ["'ttl' of feature view 'stats': '24 hours' is not a duration", "90s, 15m, 24h, 7d"], column: 10),
        BadRepo("ttl zero", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 0s # <-
                fields: [{name: a, type: int64}]
            """, ["'ttl' of feature view 'stats' is 0", "must be positive"]),
        BadRepo("ttl upper case", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 24H # <-
                fields: [{name: a, type: int64}]
            """, ["units are lower case (write 24h)"]),
        BadRepo("ttl is a list", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: [24h] # <-
                fields: [{name: a, type: int64}]
            """, ["'ttl' of feature view 'stats' must be a single value; found a list"]),
        BadRepo("staleness misspelt", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                staleness: serve_flaged # <-
                fields: [{name: a, type: int64}]
            """, [
                "unknown staleness policy 'serve_flaged' for feature view 'stats' (did you mean 'serve_flagged'?)",
                "use one of: serve_flagged, serve_default, fail_closed",
            ], column: 16),
        BadRepo("version zero", entities + """

            feature_views:
              - name: stats
                version: 0 # <-
                entities: [user]
                ttl: 1h
                fields: [{name: a, type: int64}]
            """, ["'version' of feature view 'stats' is 0: versions are whole numbers from 1 to 2147483647"]),
        BadRepo("version quoted", entities + """

            feature_views:
              - name: stats
                version: "2" # <-
                entities: [user]
                ttl: 1h
                fields: [{name: a, type: int64}]
            """, ["'version' of feature view 'stats' must be a whole number without quotes"]),
        BadRepo("version not a number", entities + """

            feature_views:
              - name: stats
                version: two # <-
                entities: [user]
                ttl: 1h
                fields: [{name: a, type: int64}]
            """, ["'version' of feature view 'stats' must be a whole number; found 'two'"]),
        BadRepo("view entities is a scalar", entities + """

            feature_views:
              - name: stats
                entities: user # <-
                ttl: 1h
                fields: [{name: a, type: int64}]
            """, ["'entities' of feature view 'stats' must be a list; found 'user'"]),
        BadRepo("fields is a mapping", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                fields: {a: int64} # <-
            """, ["'fields' of feature view 'stats' must be a list; found a mapping"]),
        BadRepo("field without type", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                fields:
                  - name: a # <-
                    description: no type
            """, ["field 'a' of feature view 'stats' is missing the required key 'type'"], column: 9),
        BadRepo("unknown field key", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                fields:
                  - name: a
                    type: int64
                    defualt: 0 # <-
            """, ["unknown key 'defualt' in field 'a' of feature view 'stats' (did you mean 'default'?); expected one of: name, type, default, description"]),
        BadRepo("misspelt type", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                fields:
                  - name: x
                    type: flaot # <-
            """, ["unknown type 'flaot' for field 'x' (did you mean 'float'?); types are: bool, int32, int64, float"], column: 15),
        BadRepo("embedding without dimension", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                fields:
                  - name: v
                    type: "embedding[0]" # <-
            """, ["write embedding[N] with N from 1 to 65536"]),
        BadRepo("default that does not fit", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                fields:
                  - name: n
                    type: int32
                    default: 3000000000 # <-
            """, ["the default of field 'n' is out of the range of int32"], column: 18),
        BadRepo("tag value is a mapping", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                tags: {team: {name: risk}} # <-
                fields: [{name: a, type: int64}]
            """, ["tag 'team' of feature view 'stats' must be a single value; found a mapping"]),
        BadRepo("tags is a list", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                tags: [risk] # <-
                fields: [{name: a, type: int64}]
            """, ["'tags' of feature view 'stats' must be a mapping"]),
        BadRepo("merge key", entities + """

            feature_views:
              - name: stats
                <<: {ttl: 1h} # <-
                entities: [user]
                fields: [{name: a, type: int64}]
            """, ["merge keys ('<<') are not supported"]),
        BadRepo("service features is a scalar", withView + """

            feature_services:
              - name: svc
                features: stats:a # <-
            """, ["'features' of feature service 'svc' must be a list; found 'stats:a'"]),
        BadRepo("service without features", withView + """

            feature_services:
              - name: svc # <-
                owner: me
            """, ["feature service 'svc' is missing the required key 'features'"]),
        BadRepo("unknown service key", withView + """

            feature_services:
              - name: svc
                feature: [stats:a] # <-
            """, ["unknown key 'feature' in feature service 'svc' (did you mean 'features'?); expected one of: name, features, owner, description, log_sample_rate"]),
        BadRepo("log sample rate above 1", withView + """

            feature_services:
              - name: svc
                features: [stats:a]
                log_sample_rate: 1.5 # <-
            """, ["'log_sample_rate' of feature service 'svc' is '1.5'", "from 0 (none) to 1 (every read)"]),
        BadRepo("log sample rate not a number", withView + """

            feature_services:
              - name: svc
                features: [stats:a]
                log_sample_rate: ten percent # <-
            """, ["'log_sample_rate' of feature service 'svc' is 'ten percent'"]),
        BadRepo("malformed reference", withView + """

            feature_services:
              - name: svc
                features:
                  - stats:a
                  - nocolon # <-
            """, ["feature reference 'nocolon' is not of the form view:field or view@version:field", "(in feature service 'svc')"], column: 9),
        BadRepo("malformed version in reference", withView + """

            feature_services:
              - name: svc
                features: ["stats@x:a"] # <-
            """, ["has a bad version"]),
        BadRepo("group with a bad view", withView + """

            feature_services:
              - name: svc
                features:
                  - view: stats@x # <-
                    fields: [a]
            """, ["'view' of a group of features of feature service 'svc' is 'stats@x'", "name@N"]),
        BadRepo("group with an unknown key", withView + """

            feature_services:
              - name: svc
                features:
                  - view: stats
                    field: [a] # <-
            """, ["unknown key 'field' in a group of features of feature service 'svc' (did you mean 'fields'?); expected one of: view, fields"]),
        BadRepo("group without fields", withView + """

            feature_services:
              - name: svc
                features:
                  - view: stats # <-
            """, ["a group of features of feature service 'svc' is missing the required key 'fields'"]),
    ]

    static let syntaxErrors: [BadRepo] = [
        BadRepo("unclosed flow list", """
            project: demo
            entities: [{name: user, join_keys: [{name: user_id, type: int64}]
            feature_views: [] # <-
            """, ["YAML syntax error"]),
        BadRepo("unquoted brackets in a flow mapping", entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                fields:
                  - {name: v, type: embedding[64]} # <-
            """, ["YAML syntax error", "quote values that contain [ ] { } , or ': ' (type: \"embedding[64]\")"]),
        BadRepo("tab indentation", "project: demo\nentities:\n\t- name: user # <-\n", ["YAML syntax error", "spaces, not tabs"]),
        BadRepo("bad indentation", """
            project: demo
            entities:
              - name: user
                join_keys: []
               description: x # <-
            """, ["YAML syntax error"]),
        BadRepo("two documents", "project: demo\n--- # <-\nproject: other\n", ["holds one YAML document", "'---'"]),
        BadRepo("control character", "project: demo\nentities: []\n\u{07} # <-\n", ["cannot read the file as YAML", "control characters"], column: 1),
        BadRepo("undefined alias", "project: *name # <-\n", ["YAML syntax error", "undefined alias"]),
    ]

    @Test(arguments: structureErrors + syntaxErrors)
    func pointsAtTheLine(_ bad: BadRepo) {
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

    @Test func duplicateKeysInOneMapping() {
        let yaml = Self.entities + """

            feature_views:
              - name: stats
                entities: [user]
                ttl: 1h
                ttl: 2h
                fields: [{name: a, type: int64}]
            """
        let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(yaml: yaml, file: "dup.yaml") }
        #expect(error?.message.contains("key 'ttl' is given more than once in the same mapping") == true, "\(error?.description ?? "")")
        // libyaml reports one of the two occurrences (lines 11 and 12).
        #expect(error?.line == 11 || error?.line == 12)
    }

    @Test func emptyFileAddsNothing() {
        let error = #expect(throws: RepoError.self) { try FeatureRepoLoader.load(yaml: "# nothing yet\n", file: "empty.yaml") }
        #expect(error?.message.contains("no 'project' in the feature repo") == true)
        #expect(error?.line == nil)
    }

    @Test func nullSectionsAreEmpty() throws {
        let repo = try FeatureRepoLoader.load(yaml: "project: demo\nentities:\nfeature_views: ~\nfeature_services:\n", file: "a.yaml")
        #expect(repo.project == "demo")
        #expect(repo.entities.isEmpty)
    }

    @Test func readsEveryKeyOfAView() throws {
        let repo = try FeatureRepoLoader.load(yaml: Self.entities + """

            feature_views:
              - name: stats
                version: 3
                entities: [user, merchant]
                ttl: 90s
                staleness: fail_closed
                owner: risk-team
                description: "Per user and merchant."
                tags: {team: risk, tier: 1}
                fields:
                  - name: count
                    type: int64
                    default: 0
                    description: "How many."
                  - {name: v, type: "embedding[4]"}
            """, file: "a.yaml")
        let view = try #require(repo.featureView(named: "stats"))
        #expect(view.version == 3)
        #expect(view.entities == ["user", "merchant"])
        #expect(view.ttlSeconds == 90)
        #expect(view.stalenessPolicy == .failClosed)
        #expect(view.owner == "risk-team")
        #expect(view.description == "Per user and merchant.")
        #expect(view.tags == ["team": "risk", "tier": "1"])
        #expect(view.fields == [
            Field(name: "count", type: .int64, defaultValue: .int64(0), description: "How many."),
            Field(name: "v", type: .embedding(dimension: 4)),
        ])
        #expect(repo.entity(named: "merchant")?.joinKeys == [JoinKey(name: "merchant_id", type: .string)])
        #expect(repo.entity(named: "user")?.description == "")
    }

    @Test func viewDefaults() throws {
        let repo = try FeatureRepoLoader.load(yaml: Self.withView, file: "a.yaml")
        let view = try #require(repo.featureView(named: "stats"))
        #expect(view.version == 1)
        #expect(view.stalenessPolicy == .serveFlagged)
        #expect(view.owner == "")
        #expect(view.tags.isEmpty)
    }

    @Test func bothFeatureFormsAndUnquotedReferences() throws {
        let repo = try FeatureRepoLoader.load(yaml: Self.withView + """

              - name: stats
                version: 2
                entities: [user]
                ttl: 1h
                fields: [{name: a, type: int64}, {name: c, type: string}]
            feature_services:
              - name: strings
                owner: me
                description: "Reference strings, block and flow."
                features:
                  - stats@1:b
                  - "stats:c"
                  - stats@2:a
              - name: flow
                features: [stats@1:a, stats:c]
              - name: grouped
                features:
                  - view: stats@1
                    fields: [b, a]
                  - {view: stats, fields: [c]}
                  - stats@2:a
            """, file: "a.yaml")
        #expect(repo.featureService(named: "strings")?.features == [
            FeatureReference(view: "stats", version: 1, field: "b"),
            FeatureReference(view: "stats", field: "c"),
            FeatureReference(view: "stats", version: 2, field: "a"),
        ])
        #expect(repo.featureService(named: "strings")?.owner == "me")
        #expect(repo.featureService(named: "strings")?.logSampleRate == 0)
        #expect(repo.featureService(named: "flow")?.features.map(\.description) == ["stats@1:a", "stats:c"])
        #expect(repo.featureService(named: "grouped")?.features.map(\.description) == ["stats@1:b", "stats@1:a", "stats:c", "stats@2:a"])
        #expect(try repo.resolve(service: "grouped").map(\.qualifiedName) == ["stats@1:b", "stats@1:a", "stats@2:c", "stats@2:a"])
    }

    @Test func logSampleRateIsReadPerService() throws {
        let repo = try FeatureRepoLoader.load(yaml: Self.withView + """

            feature_services:
              - {name: every, features: [stats:a], log_sample_rate: 1}
              - {name: tenth, features: [stats:a], log_sample_rate: 0.1}
              - {name: none, features: [stats:a]}
            """, file: "a.yaml")
        #expect(repo.featureService(named: "every")?.logSampleRate == 1)
        #expect(repo.featureService(named: "tenth")?.logSampleRate == 0.1)
        #expect(repo.featureService(named: "none")?.logSampleRate == 0)
    }

    @Test func anchorsAndAliasesShareDefinitions() throws {
        let repo = try FeatureRepoLoader.load(yaml: Self.entities + """

            feature_views:
              - name: stats
                entities: &keys [user]
                ttl: 1h
                fields: &fields
                  - {name: a, type: int64, default: 0}
              - name: stats
                version: 2
                entities: *keys
                ttl: 2h
                fields: *fields
            """, file: "a.yaml")
        #expect(repo.featureView(named: "stats", version: 2)?.fields == repo.featureView(named: "stats", version: 1)?.fields)
        #expect(repo.featureView(named: "stats", version: 2)?.entities == ["user"])
    }

    @Test func windowsLineEndings() throws {
        let yaml = Self.withView.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try FeatureRepoLoader.load(yaml: yaml, file: "crlf.yaml").featureView(named: "stats")?.fields.count == 2)
        let error = #expect(throws: RepoError.self) {
            try FeatureRepoLoader.load(yaml: "project: demo\r\nentities:\r\n\t- name: user\r\n", file: "crlf.yaml")
        }
        #expect(error?.line == 3)
        #expect(error?.message.contains("spaces, not tabs") == true, "\(error?.description ?? "")")
        let semantic = #expect(throws: RepoError.self) {
            try FeatureRepoLoader.load(yaml: yaml.replacingOccurrences(of: "[user]", with: "[usr]"), file: "crlf.yaml")
        }
        #expect(semantic?.line == 10)
    }

    @Test func errorsNameTheFileTheyAreGiven() {
        let error = #expect(throws: RepoError.self) {
            try FeatureRepoLoader.load(yaml: "project: demo\nentities: 3\n", file: "config/embedded-default.yaml")
        }
        #expect(error?.description == "config/embedded-default.yaml:2:11: 'entities' must be a list; found '3'")
    }
}
