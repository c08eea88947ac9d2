/// A validated set of definitions: entities, feature views and feature services.
///
/// Building one checks every rule a node relies on, so code holding a `FeatureRepo` can
/// trust it: names are unique, every view has a TTL and known entities, defaults have
/// their field's type, `serve_default` views declare a default for every field, and
/// every service reference resolves.
public struct FeatureRepo: Sendable, Hashable {
    public private(set) var project: String
    public private(set) var entities: [Entity]
    /// Every version of every view, ordered by name then version.
    public private(set) var featureViews: [FeatureView]
    public private(set) var featureServices: [FeatureService]
    /// Who may read and write what, on nodes that require authentication; nil: the repo
    /// declares no `access:`, and such nodes refuse everything but the handshake, HEALTH,
    /// DESCRIBE and GET_CLUSTER_MAP (`AccessPolicy.denyAll`).
    public private(set) var access: AccessPolicy?

    private var entityIndex: [String: Int] = [:]
    private var serviceIndex: [String: Int] = [:]
    /// view name -> (version -> index in featureViews)
    private var viewIndex: [String: [Int: Int]] = [:]

    public init(
        project: String,
        entities: [Entity],
        featureViews: [FeatureView],
        featureServices: [FeatureService],
        access: AccessPolicy? = nil
    ) throws(DefinitionProblem) {
        self.project = project
        self.entities = entities
        self.featureViews = featureViews.sorted { ($0.name, $0.version) < ($1.name, $1.version) }
        self.featureServices = featureServices
        self.access = access
        try validateAndIndex()
        if let access {
            try validate(access)
        }
    }

    public func entity(named name: String) -> Entity? {
        entityIndex[name].map { entities[$0] }
    }

    public func featureService(named name: String) -> FeatureService? {
        serviceIndex[name].map { featureServices[$0] }
    }

    /// The view of that name at `version`, or at its latest version when `version` is nil.
    public func featureView(named name: String, version: Int? = nil) -> FeatureView? {
        guard let versions = viewIndex[name] else { return nil }
        if let version { return versions[version].map { featureViews[$0] } }
        return versions.max { $0.key < $1.key }.map { featureViews[$0.value] }
    }

    /// Parses "view" or "view@version" and finds that view.
    public func featureView(qualified text: String) throws(SkewlessError) -> FeatureView {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        var version: Int?
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), parsed > 0 else {
                throw SkewlessError(.invalidArgument, "feature view '\(text)' has a bad version: write name or name@N")
            }
            version = parsed
        } else if parts.count != 1 {
            throw SkewlessError(.invalidArgument, "feature view '\(text)' has more than one '@'")
        }
        guard let view = featureView(named: String(parts[0]), version: version) else {
            throw SkewlessError(.notFound, "unknown feature view '\(text)'; known views: \(knownViewNames)")
        }
        return view
    }

    /// The join keys of a view: its entities' join keys, concatenated in order.
    public func joinKeys(of view: FeatureView) -> [JoinKey] {
        view.entities.flatMap { entity(named: $0)?.joinKeys ?? [] }
    }

    /// Binds a reference to a view and field, or says exactly what does not exist.
    public func resolve(_ reference: FeatureReference) throws(SkewlessError) -> ResolvedFeature {
        guard let view = featureView(named: reference.view, version: reference.version) else {
            if let versions = viewIndex[reference.view], let version = reference.version {
                let known = versions.keys.sorted().map(String.init).joined(separator: ", ")
                throw SkewlessError(.notFound, "feature view '\(reference.view)' has no version \(version) (known: \(known)) in '\(reference)'")
            }
            throw SkewlessError(.notFound, "unknown feature view '\(reference.view)' in '\(reference)'; known views: \(knownViewNames)")
        }
        guard let index = view.fieldIndex(named: reference.field) else {
            let known = view.fields.map(\.name).joined(separator: ", ")
            throw SkewlessError(.notFound, "feature view '\(view.qualifiedName)' has no field '\(reference.field)'; its fields: \(known)")
        }
        return ResolvedFeature(view: view, fieldIndex: index)
    }

    /// The resolved features of a service, in the service's order.
    public func resolve(service name: String) throws(SkewlessError) -> [ResolvedFeature] {
        guard let service = featureService(named: name) else {
            let known = featureServices.map(\.name).sorted().joined(separator: ", ")
            throw SkewlessError(.notFound, "unknown feature service '\(name)'; known services: \(known.isEmpty ? "none" : known)")
        }
        var resolved: [ResolvedFeature] = []
        resolved.reserveCapacity(service.features.count)
        for reference in service.features {
            resolved.append(try resolve(reference))
        }
        return resolved
    }

    private var knownViewNames: String {
        let names = Set(featureViews.map(\.name)).sorted()
        return names.isEmpty ? "none" : names.joined(separator: ", ")
    }

    // MARK: - Validation

    private static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.properties.isAlphabetic && first.isASCII) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }

    private static let nameRule = "names start with a letter or '_' and hold only ASCII letters, digits, '_' and '-'"

    private mutating func validateAndIndex() throws(DefinitionProblem) {
        guard Self.isValidName(project) else {
            throw DefinitionProblem(.project, "project name '\(project)' is not valid: \(Self.nameRule)")
        }
        for (index, entity) in entities.enumerated() {
            let subject = DefinitionProblem.Subject.entity(entity.name)
            guard Self.isValidName(entity.name) else {
                throw DefinitionProblem(subject, "entity name '\(entity.name)' is not valid: \(Self.nameRule)")
            }
            guard entityIndex[entity.name] == nil else {
                throw DefinitionProblem(subject, "entity '\(entity.name)' is defined twice")
            }
            guard !entity.joinKeys.isEmpty else {
                throw DefinitionProblem(subject, "entity '\(entity.name)' has no join keys: declare at least one (name and type int64 or string)")
            }
            var seen = Set<String>()
            for key in entity.joinKeys {
                guard Self.isValidName(key.name) else {
                    throw DefinitionProblem(subject, "join key '\(key.name)' of entity '\(entity.name)' is not valid: \(Self.nameRule)")
                }
                guard seen.insert(key.name).inserted else {
                    throw DefinitionProblem(subject, "entity '\(entity.name)' names join key '\(key.name)' twice")
                }
            }
            entityIndex[entity.name] = index
        }
        // A join key name means one thing across the repo: requests carry key columns by name.
        var keyTypes: [String: (KeyType, String)] = [:]
        for entity in entities {
            for key in entity.joinKeys {
                if let (type, owner) = keyTypes[key.name], type != key.type {
                    throw DefinitionProblem(.entity(entity.name), "join key '\(key.name)' is \(key.type.rawValue) in entity '\(entity.name)' but \(type.rawValue) in entity '\(owner)': a join key name must have one type across the repo")
                }
                keyTypes[key.name] = (key.type, entity.name)
            }
        }

        for (index, view) in featureViews.enumerated() {
            try validate(view)
            guard viewIndex[view.name]?[view.version] == nil else {
                throw DefinitionProblem(.featureView(name: view.name, version: view.version), "feature view '\(view.name)' version \(view.version) is defined twice")
            }
            viewIndex[view.name, default: [:]][view.version] = index
        }

        for (index, service) in featureServices.enumerated() {
            let subject = DefinitionProblem.Subject.featureService(service.name)
            guard Self.isValidName(service.name) else {
                throw DefinitionProblem(subject, "feature service name '\(service.name)' is not valid: \(Self.nameRule)")
            }
            guard serviceIndex[service.name] == nil else {
                throw DefinitionProblem(subject, "feature service '\(service.name)' is defined twice")
            }
            guard !service.features.isEmpty else {
                throw DefinitionProblem(subject, "feature service '\(service.name)' lists no features")
            }
            guard service.logSampleRate.isFinite, (0...1).contains(service.logSampleRate) else {
                throw DefinitionProblem(subject, "feature service '\(service.name)' has log_sample_rate \(service.logSampleRate): give a share from 0 (log no reads) to 1 (log every read), for example 0.1")
            }
            var seen = Set<String>()
            for reference in service.features {
                let resolved: ResolvedFeature
                do {
                    resolved = try resolve(reference)
                } catch {
                    throw DefinitionProblem(subject, "feature service '\(service.name)': \(error.message)")
                }
                guard seen.insert(resolved.qualifiedName).inserted else {
                    throw DefinitionProblem(subject, "feature service '\(service.name)' lists '\(resolved.qualifiedName)' twice")
                }
            }
            serviceIndex[service.name] = index
        }
    }

    /// Every view, field, service and group the policy names exists.
    private func validate(_ access: AccessPolicy) throws(DefinitionProblem) {
        for group in access.groups.keys.sorted() where !Self.isValidName(group) {
            throw DefinitionProblem(.access, "group name '\(group)' is not valid: \(Self.nameRule)")
        }
        let subjects = access.admins + access.peers + access.grants.flatMap(\.to)
        for subject in subjects {
            if let problem = accessSubjectProblem(subject, in: access) {
                throw DefinitionProblem(.access, problem)
            }
        }
        for grant in access.grants {
            for name in grant.readServices where featureService(named: name) == nil {
                throw DefinitionProblem(.access, "a grant names unknown feature service '\(name)'")
            }
            for name in grant.readViews + grant.writeViews {
                if let problem = accessViewProblem(name) { throw DefinitionProblem(.access, problem) }
            }
            for reference in grant.readFeatures {
                if let problem = accessFeatureProblem(reference) { throw DefinitionProblem(.access, problem) }
            }
        }
    }

    /// What is wrong with a subject of the access policy (a principal, `group:NAME` or `*`), if anything.
    public func accessSubjectProblem(_ subject: String, in access: AccessPolicy) -> String? {
        if subject == AccessPolicy.everyone { return nil }
        if subject.hasPrefix(AccessPolicy.groupPrefix) {
            let group = String(subject.dropFirst(AccessPolicy.groupPrefix.count))
            guard access.groups[group] != nil else {
                let known = access.groups.keys.sorted().joined(separator: ", ")
                return "unknown group '\(group)' in '\(subject)'; groups declared under 'access: groups:': \(known.isEmpty ? "none" : known)"
            }
            return nil
        }
        guard !subject.isEmpty, !subject.contains(where: \.isWhitespace) else {
            return "'\(subject)' is not a principal: write a principal's name (no spaces), group:NAME, or * for every authenticated principal"
        }
        return nil
    }

    /// What is wrong with a view named in a grant (`view` or `view@N`), if anything.
    public func accessViewProblem(_ text: String) -> String? {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard let versions = viewIndex[name] else {
            return "a grant names unknown feature view '\(text)'; known views: \(knownViewNames)"
        }
        if parts.count == 2 {
            guard let version = Int(parts[1]), version > 0 else {
                return "a grant names feature view '\(text)': write the view's name, or name@N for version N"
            }
            guard versions[version] != nil else {
                let known = versions.keys.sorted().map(String.init).joined(separator: ", ")
                return "a grant names feature view '\(text)', but the view has no version \(version) (known: \(known))"
            }
        } else if parts.count != 1 {
            return "a grant names feature view '\(text)' with more than one '@'"
        }
        return nil
    }

    /// What is wrong with a feature named in a grant, if anything: without a version, some
    /// version of the view must have the field.
    public func accessFeatureProblem(_ reference: FeatureReference) -> String? {
        if reference.version != nil {
            do {
                _ = try resolve(reference)
                return nil
            } catch {
                return "a grant names '\(reference)': \(error.message)"
            }
        }
        guard let versions = viewIndex[reference.view] else {
            return "a grant names '\(reference)': unknown feature view '\(reference.view)'; known views: \(knownViewNames)"
        }
        let views = versions.values.map { featureViews[$0] }
        guard views.contains(where: { $0.fieldIndex(named: reference.field) != nil }) else {
            let known = Set(views.flatMap { $0.fields.map(\.name) }).sorted().joined(separator: ", ")
            return "a grant names '\(reference)', but no version of feature view '\(reference.view)' has a field '\(reference.field)'; its fields: \(known)"
        }
        return nil
    }

    private func validate(_ view: FeatureView) throws(DefinitionProblem) {
        let subject = DefinitionProblem.Subject.featureView(name: view.name, version: view.version)
        guard Self.isValidName(view.name) else {
            throw DefinitionProblem(subject, "feature view name '\(view.name)' is not valid: \(Self.nameRule)")
        }
        guard view.version >= 1 else {
            throw DefinitionProblem(subject, "feature view '\(view.name)' has version \(view.version): versions start at 1")
        }
        guard view.ttlSeconds > 0 else {
            throw DefinitionProblem(subject, "feature view '\(view.name)' has TTL \(view.ttlSeconds)s: every view needs a positive TTL (for example ttl: 24h)")
        }
        guard !view.entities.isEmpty else {
            throw DefinitionProblem(subject, "feature view '\(view.name)' names no entities")
        }
        var joinKeyNames = Set<String>()
        for name in view.entities {
            guard let entity = entity(named: name) else {
                let known = entities.map(\.name).sorted().joined(separator: ", ")
                throw DefinitionProblem(subject, "feature view '\(view.name)' names unknown entity '\(name)'; known entities: \(known.isEmpty ? "none" : known)")
            }
            for key in entity.joinKeys where !joinKeyNames.insert(key.name).inserted {
                throw DefinitionProblem(subject, "feature view '\(view.name)' gets join key '\(key.name)' from two entities")
            }
        }
        guard !view.fields.isEmpty else {
            throw DefinitionProblem(subject, "feature view '\(view.name)' has no fields")
        }
        var fieldNames = Set<String>()
        for field in view.fields {
            let fieldSubject = DefinitionProblem.Subject.field(view: view.name, version: view.version, field: field.name)
            guard Self.isValidName(field.name) else {
                throw DefinitionProblem(fieldSubject, "field name '\(field.name)' in view '\(view.name)' is not valid: \(Self.nameRule)")
            }
            guard fieldNames.insert(field.name).inserted else {
                throw DefinitionProblem(fieldSubject, "feature view '\(view.name)' has two fields named '\(field.name)'")
            }
            guard !joinKeyNames.contains(field.name) else {
                throw DefinitionProblem(fieldSubject, "field '\(field.name)' of view '\(view.name)' has the name of a join key")
            }
            if let value = field.defaultValue, !value.conforms(to: field.type) {
                throw DefinitionProblem(fieldSubject, "the default of field '\(field.name)' is not a \(field.type)")
            }
            if view.stalenessPolicy == .serveDefault, field.defaultValue == nil {
                throw DefinitionProblem(fieldSubject, "field '\(field.name)' has no default, but view '\(view.name)' has staleness policy serve_default: declare a default for every field, or choose serve_flagged or fail_closed")
            }
        }
    }
}
