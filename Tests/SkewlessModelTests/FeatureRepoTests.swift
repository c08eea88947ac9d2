import Testing
@testable import SkewlessModel

@Suite struct FeatureRepoTests {
    let user = Entity(name: "user", joinKeys: [JoinKey(name: "user_id", type: .int64)])
    let merchant = Entity(name: "merchant", joinKeys: [JoinKey(name: "merchant_id", type: .string)])

    func view(_ name: String = "stats", version: Int = 1, policy: StalenessPolicy = .serveFlagged, fields: [Field]? = nil) -> FeatureView {
        FeatureView(
            name: name, version: version, entities: ["user"],
            fields: fields ?? [Field(name: "count", type: .int64, defaultValue: .int64(0)), Field(name: "score", type: .float)],
            ttlSeconds: 3600, stalenessPolicy: policy)
    }

    @Test func resolvesLatestVersionAndExplicitVersions() throws {
        let v2 = view(version: 2, fields: [Field(name: "count", type: .int64), Field(name: "ratio", type: .double)])
        let repo = try FeatureRepo(project: "p", entities: [user], featureViews: [view(), v2], featureServices: [])
        #expect(try repo.resolve(FeatureReference(parsing: "stats:ratio")).view.version == 2)
        #expect(try repo.resolve(FeatureReference(parsing: "stats@1:score")).view.version == 1)
        #expect(try repo.featureView(qualified: "stats@1").version == 1)
        let error = #expect(throws: SkewlessError.self) { try repo.resolve(FeatureReference(parsing: "stats@1:ratio")) }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("has no field 'ratio'") == true)
        let missingVersion = #expect(throws: SkewlessError.self) { try repo.resolve(FeatureReference(parsing: "stats@7:count")) }
        #expect(missingVersion?.message.contains("no version 7") == true)
    }

    @Test(arguments: ["nocolon", ":f", "v:", "v@x:f", "v@0:f", "a@1@2:f", "a:b:c"])
    func rejectsMalformedReferences(_ text: String) {
        #expect(throws: SkewlessError.self) { try FeatureReference(parsing: text) }
    }

    @Test func serveDefaultNeedsEveryDefault() {
        let problem = #expect(throws: DefinitionProblem.self) {
            try FeatureRepo(project: "p", entities: [user], featureViews: [view(policy: .serveDefault)], featureServices: [])
        }
        #expect(problem?.subject == .field(view: "stats", version: 1, field: "score"))
    }

    @Test func defaultMustHaveTheFieldType() {
        let problem = #expect(throws: DefinitionProblem.self) {
            try FeatureRepo(project: "p", entities: [user], featureViews: [view(fields: [Field(name: "e", type: .embedding(dimension: 3), defaultValue: .embedding([1, 2]))])], featureServices: [])
        }
        #expect(problem?.message.contains("not a embedding[3]") == true)
    }

    @Test func everyViewNeedsATTLAndKnownEntities() {
        var noTTL = view()
        noTTL.ttlSeconds = 0
        #expect(throws: DefinitionProblem.self) { try FeatureRepo(project: "p", entities: [user], featureViews: [noTTL], featureServices: []) }
        var unknownEntity = view()
        unknownEntity.entities = ["ghost"]
        let problem = #expect(throws: DefinitionProblem.self) { try FeatureRepo(project: "p", entities: [user], featureViews: [unknownEntity], featureServices: []) }
        #expect(problem?.message.contains("unknown entity 'ghost'") == true)
    }

    @Test func joinKeyNamesHaveOneTypeAcrossTheRepo() {
        let clash = Entity(name: "account", joinKeys: [JoinKey(name: "user_id", type: .string)])
        #expect(throws: DefinitionProblem.self) { try FeatureRepo(project: "p", entities: [user, clash], featureViews: [], featureServices: []) }
    }

    @Test func servicesResolveAndRejectDuplicatesAndUnknowns() throws {
        let service = FeatureService(name: "model", features: [FeatureReference(view: "stats", field: "count")])
        let repo = try FeatureRepo(project: "p", entities: [user, merchant], featureViews: [view()], featureServices: [service])
        #expect(try repo.resolve(service: "model").map(\.qualifiedName) == ["stats@1:count"])
        let twice = FeatureService(name: "twice", features: [FeatureReference(view: "stats", field: "count"), FeatureReference(view: "stats", version: 1, field: "count")])
        #expect(throws: DefinitionProblem.self) { try FeatureRepo(project: "p", entities: [user], featureViews: [view()], featureServices: [twice]) }
        let unknown = FeatureService(name: "unknown", features: [FeatureReference(view: "stats", field: "nope")])
        let problem = #expect(throws: DefinitionProblem.self) { try FeatureRepo(project: "p", entities: [user], featureViews: [view()], featureServices: [unknown]) }
        #expect(problem?.subject == .featureService("unknown"))
        #expect(throws: SkewlessError.self) { try repo.resolve(service: "absent") }
    }

    @Test func keysOfDifferentShapesNeverCompareEqual() {
        let keys: [EntityKey] = [EntityKey(.int64(5)), EntityKey(.string("5")), EntityKey([.int64(5), .string("5")]), EntityKey([.string("5"), .int64(5)])]
        for (i, a) in keys.enumerated() {
            for (j, b) in keys.enumerated() {
                #expect((a == b) == (i == j))
            }
        }
        #expect(Set(keys).count == 4)
        #expect(Set([EntityKey(.int64(5)), EntityKey([.int64(5)])]).count == 1)
    }

    @Test func compositeKeysKeepOrderAndSingleKeysCompareEqual() {
        #expect(EntityKey([.int64(1), .string("a")]) != EntityKey([.string("a"), .int64(1)]))
        #expect(EntityKey([.int64(7)]) == EntityKey(.int64(7)))
        #expect(EntityKey([.int64(1), .string("a")]).description == "(1, a)")
    }

    @Test(arguments: ["bool", "int32", "int64", "float", "double", "string", "bytes", "timestamp", "embedding[768]", "int64_list", "string_list"])
    func typeSpellingsRoundTrip(_ spelling: String) throws {
        let type = try #require(FeatureType(parsing: spelling))
        #expect(type.description == spelling)
        #expect(FeatureValue.zero(of: type).conforms(to: type))
    }

    @Test(arguments: ["embedding[0]", "embedding[]", "embedding[x]", "float16", "embedding[99999999]"])
    func rejectsUnknownTypes(_ spelling: String) {
        #expect(FeatureType(parsing: spelling) == nil)
    }
}
