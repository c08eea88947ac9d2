import SkewlessModel
import Yams

/// Reads one YAML file of a feature repo into a `RepoDraft`.
///
/// Every key, node kind and value is checked as it is read, so each error points at the
/// line it is about; rules that need the whole repo (references between definitions, names)
/// are left to `RepoDraft.build(repoPath:)` and `FeatureRepo`.
enum RepoFileReader {
    static let topLevelKeys = ["project", "entities", "feature_views", "feature_services", "access"]
    static let entityKeys = ["name", "join_keys", "description"]
    static let joinKeyKeys = ["name", "type"]
    static let viewKeys = ["name", "version", "entities", "ttl", "staleness", "owner", "description", "tags", "objectives", "fields"]
    static let objectiveKeys = ["max_staleness", "min_completeness", "max_psi", "max_ks"]
    static let fieldKeys = ["name", "type", "default", "description", "pii"]
    static let serviceKeys = ["name", "features", "owner", "description", "log_sample_rate"]
    static let featureGroupKeys = ["view", "fields"]

    /// Parses `yaml` and adds its definitions to `draft`. An empty file adds nothing.
    static func read(yaml: String, file: String, into draft: inout RepoDraft) throws(RepoError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw syntaxError(error, yaml: yaml, file: file)
        }
        guard let root else { return }
        try readDocument(YAMLNode(root, file: file), into: &draft)
    }

    static func readDocument(_ document: YAMLNode, into draft: inout RepoDraft) throws(RepoError) {
        if document.isNull { return }
        let top = try document.mapping("a feature repo file")
        try top.rejectUnknownKeys(allowed: Self.topLevelKeys, in: "the top level of a feature repo file")

        if let projectNode = top.value("project") {
            let name = try projectNode.string("'project'")
            try draft.setProject(name, at: projectNode.location)
        }
        if let entitiesNode = top.optional("entities") {
            for item in try entitiesNode.sequence("'entities'") {
                try readEntity(item, into: &draft)
            }
        }
        if let viewsNode = top.optional("feature_views") {
            for item in try viewsNode.sequence("'feature_views'") {
                try readFeatureView(item, into: &draft)
            }
        }
        if let servicesNode = top.optional("feature_services") {
            for item in try servicesNode.sequence("'feature_services'") {
                try readFeatureService(item, into: &draft)
            }
        }
        if let access = top.entries.first(where: { $0.key == "access" }) {
            try readAccess(access.value, declaredAt: access.keyNode.location, into: &draft)
        }
    }

    static func readEntity(_ node: YAMLNode, into draft: inout RepoDraft) throws(RepoError) {
        let map = try node.mapping("each item of 'entities'")
        let unnamed = map.nameHint.map { "entity '\($0)'" } ?? "an entity"
        try map.rejectUnknownKeys(allowed: Self.entityKeys, in: unnamed)
        let nameNode = try map.required("name", in: unnamed)
        let name = try nameNode.string("the name of an entity")
        let what = "entity '\(name)'"

        var joinKeys: [JoinKey] = []
        for keyNode in try map.required("join_keys", in: what).sequence("'join_keys' of \(what)") {
            joinKeys.append(try readJoinKey(keyNode, of: what))
        }
        let description = try map.optional("description")?.string("'description' of \(what)") ?? ""
        try draft.add(Entity(name: name, joinKeys: joinKeys, description: description), at: nameNode.location)
    }

    static func readJoinKey(_ node: YAMLNode, of entity: String) throws(RepoError) -> JoinKey {
        let map = try node.mapping("each join key of \(entity)")
        let unnamed = map.nameHint.map { "join key '\($0)' of \(entity)" } ?? "a join key of \(entity)"
        try map.rejectUnknownKeys(allowed: Self.joinKeyKeys, in: unnamed)
        let name = try map.required("name", in: unnamed).string("the name of a join key of \(entity)")
        let what = "join key '\(name)' of \(entity)"
        let typeNode = try map.required("type", in: what)
        let typeName = try typeNode.string("the type of \(what)")
        let spellings = KeyType.allCases.map(\.rawValue)
        guard let type = KeyType(rawValue: typeName) else {
            let hint = NameSuggestion.hint(for: typeName, among: spellings)
            throw typeNode.error("unknown type '\(typeName)' for \(what)\(hint); join keys are \(spellings.joined(separator: " or "))")
        }
        return JoinKey(name: name, type: type)
    }

    /// Turns Yams' parse errors into errors at their line and column.
    static func syntaxError(_ error: any Error, yaml: String, file: String) -> RepoError {
        guard let yamlError = error as? YamlError else {
            return RepoError(file: file, message: "cannot parse YAML: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            if problem == "but found another document" {
                return SourceLocation(file: file, mark: mark).error(
                    "a feature repo file holds one YAML document, but '---' starts a second one here: move it to a file of its own")
            }
            var message = "YAML syntax error: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            if Self.line(mark.line, of: yaml).contains("\t") {
                message += "; YAML indentation must be spaces, not tabs"
            } else if problem.hasPrefix("did not find expected ','") {
                message += "; inside {...} and [...], quote values that contain [ ] { } , or ': ' (type: \"embedding[64]\")"
            }
            return SourceLocation(file: file, mark: mark).error(message)
        case .reader(let problem, let offset, _, _):
            let position = offset.map { Self.lineAndColumn(ofCharacterOffset: $0, in: yaml) }
            return RepoError(file: file, line: position?.line, column: position?.column, message: "cannot read the file as YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let plural = duplicates.count == 1 ? "key \(keys) is" : "keys \(keys) are"
            return SourceLocation(file: file, mark: context.mark).error("\(plural) given more than once in the same mapping; keep one")
        default:
            return RepoError(file: file, message: "cannot parse YAML: \(yamlError)")
        }
    }

    /// Line `number` (1-based) of `text`, or "" past the end.
    static func line(_ number: Int, of text: String) -> Substring {
        // "\r\n" is one Character, and a newline, as it is one line break to libyaml.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        return number >= 1 && number <= lines.count ? lines[number - 1] : ""
    }

    /// 1-based line and column of the character at `offset`.
    static func lineAndColumn(ofCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
