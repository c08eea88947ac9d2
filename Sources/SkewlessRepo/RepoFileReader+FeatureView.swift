import SkewlessModel

extension RepoFileReader {
    static func readFeatureView(_ node: YAMLNode, into draft: inout RepoDraft) throws(RepoError) {
        let map = try node.mapping("each item of 'feature_views'")
        let unnamed = map.nameHint.map { "feature view '\($0)'" } ?? "a feature view"
        try map.rejectUnknownKeys(allowed: Self.viewKeys, in: unnamed)
        let nameNode = try map.required("name", in: unnamed)
        let name = try nameNode.string("the name of a feature view")
        let what = "feature view '\(name)'"

        var version = 1
        if let versionNode = map.optional("version") {
            let value = try versionNode.integer("'version' of \(what)")
            guard value >= 1, value <= Int64(Int32.max) else {
                throw versionNode.error("'version' of \(what) is \(value): versions are whole numbers from 1 to \(Int32.max)")
            }
            version = Int(value)
        }

        var entities: [String] = []
        var entityLocations: [SourceLocation] = []
        for entityNode in try map.required("entities", in: what).sequence("'entities' of \(what)") {
            entities.append(try entityNode.string("each entity of \(what)"))
            entityLocations.append(entityNode.location)
        }

        let ttlNode = try map.required("ttl", in: what)
        let ttlText = try ttlNode.string("'ttl' of \(what)")
        let ttlSeconds: Int64
        do {
            ttlSeconds = try DurationParser.seconds(from: ttlText)
        } catch {
            throw ttlNode.error("'ttl' of \(what): \(error.message)")
        }
        guard ttlSeconds > 0 else {
            throw ttlNode.error("'ttl' of \(what) is 0: rows go stale after the TTL, so it must be positive (for example ttl: 24h)")
        }

        var policy = StalenessPolicy.serveFlagged
        if let policyNode = map.optional("staleness") {
            let text = try policyNode.string("'staleness' of \(what)")
            let names = StalenessPolicy.allCases.map(\.rawValue)
            guard let parsed = StalenessPolicy(rawValue: text) else {
                let hint = NameSuggestion.hint(for: text, among: names)
                throw policyNode.error("unknown staleness policy '\(text)' for \(what)\(hint); use one of: \(names.joined(separator: ", "))")
            }
            policy = parsed
        }

        let owner = try map.optional("owner")?.string("'owner' of \(what)") ?? ""
        let description = try map.optional("description")?.string("'description' of \(what)") ?? ""
        var tags: [String: String] = [:]
        if let tagsNode = map.optional("tags") {
            for entry in try tagsNode.mapping("'tags' of \(what)").entries {
                tags[entry.key] = try entry.value.string("tag '\(entry.key)' of \(what)")
            }
        }

        let objectives = try map.optional("objectives").map { node throws(RepoError) in try readObjectives(node, of: what) } ?? ViewObjectives()

        var fields: [Field] = []
        var fieldLocations: [SourceLocation] = []
        for fieldNode in try map.required("fields", in: what).sequence("'fields' of \(what)") {
            let (field, location) = try readField(fieldNode, of: what)
            fields.append(field)
            fieldLocations.append(location)
        }

        let view = FeatureView(
            name: name, version: version, entities: entities, fields: fields, ttlSeconds: ttlSeconds,
            stalenessPolicy: policy, owner: owner, description: description, tags: tags, objectives: objectives)
        try draft.add(view, at: nameNode.location, fieldLocations: fieldLocations, entityLocations: entityLocations)
    }

    /// The `objectives:` block of a view: `max_staleness` (a duration), `min_completeness`,
    /// `max_psi` and `max_ks` (numbers).
    static func readObjectives(_ node: YAMLNode, of view: String) throws(RepoError) -> ViewObjectives {
        let what = "'objectives' of \(view)"
        let map = try node.mapping(what)
        try map.rejectUnknownKeys(allowed: Self.objectiveKeys, in: what)
        var objectives = ViewObjectives()
        if let staleness = map.optional("max_staleness") {
            let text = try staleness.string("'max_staleness' of \(view)")
            do {
                objectives.maxStalenessSeconds = try DurationParser.seconds(from: text)
            } catch {
                throw staleness.error("'max_staleness' of \(view): \(error.message)")
            }
        }
        func fraction(_ key: String, upTo limit: Double?) throws(RepoError) -> Double? {
            guard let value = map.optional(key) else { return nil }
            let text = try value.string("'\(key)' of \(view)")
            guard let number = Double(text), number.isFinite, number >= 0, limit.map({ number <= $0 }) ?? true else {
                throw value.error("'\(key)' of \(view) is '\(YAMLNode.clipped(text))': give a number from 0\(limit.map { " to \($0)" } ?? " up"), for example \(key): \(limit == nil ? "0.25" : "0.95")")
            }
            return number
        }
        objectives.minCompleteness = try fraction("min_completeness", upTo: 1)
        objectives.maxPSI = try fraction("max_psi", upTo: nil)
        objectives.maxKS = try fraction("max_ks", upTo: 1)
        return objectives
    }

    /// A field and where its name was written.
    static func readField(_ node: YAMLNode, of view: String) throws(RepoError) -> (Field, SourceLocation) {
        let map = try node.mapping("each field of \(view)")
        let unnamed = map.nameHint.map { "field '\($0)' of \(view)" } ?? "a field of \(view)"
        try map.rejectUnknownKeys(allowed: Self.fieldKeys, in: unnamed)
        let nameNode = try map.required("name", in: unnamed)
        let name = try nameNode.string("the name of a field of \(view)")
        let what = "field '\(name)' of \(view)"

        let typeNode = try map.required("type", in: what)
        let type = try readType(typeNode, field: name)
        var defaultValue: FeatureValue?
        if let defaultNode = map.optional("default") {
            defaultValue = try DefaultValueReader.read(defaultNode, type: type, field: name)
        }
        let description = try map.optional("description")?.string("'description' of \(what)") ?? ""
        let pii = try map.optional("pii").map { (node) throws(RepoError) in try node.bool("'pii' of \(what)") } ?? false
        return (Field(name: name, type: type, defaultValue: defaultValue, description: description, pii: pii), nameNode.location)
    }

    static func readType(_ node: YAMLNode, field: String) throws(RepoError) -> FeatureType {
        let text = try node.string("the type of field '\(field)'")
        if let type = FeatureType(parsing: text) { return type }
        if text == "embedding" || text.hasPrefix("embedding[") || text.hasPrefix("embedding(") {
            throw node.error("type '\(text)' of field '\(field)' is not a valid embedding: write embedding[N] with N from 1 to \(FeatureType.maxEmbeddingDimension), for example embedding[64]")
        }
        let names = ["bool", "int32", "int64", "float", "double", "string", "bytes", "timestamp", "int64_list", "string_list"]
        let hint = NameSuggestion.hint(for: text, among: names)
        throw node.error("unknown type '\(text)' for field '\(field)'\(hint); types are: \(FeatureType.spellings)")
    }
}
