import SkewlessModel

/// The definitions read so far from a repo's files, and where each was written.
///
/// Files add to one draft in order; `build(repoPath:)` then validates the whole as a
/// `FeatureRepo` and turns each `DefinitionProblem` into a `RepoError` at the place the
/// offending definition was written. Checks that need two places (a definition given twice,
/// a second `project`) or that point at a reference rather than a definition (an unknown
/// entity in a view, an unresolvable feature in a service) are made here, so the error can
/// name the exact line.
struct RepoDraft {
    private(set) var project: (name: String, location: SourceLocation)?
    private(set) var entities: [Entity] = []
    /// In the order written.
    private(set) var featureViews: [FeatureView] = []
    private(set) var featureServices: [FeatureService] = []
    /// The access policy, where `access:` was written, and the names it refers to.
    private(set) var access: (policy: AccessPolicy, location: SourceLocation, references: [AccessReference])?

    /// Where the name of each definition was written (for `.project`, its value).
    private(set) var locations: [DefinitionProblem.Subject: SourceLocation] = [:]
    /// Per view: where each entity it names was written, in the view's order.
    private var entityReferenceLocations: [DefinitionProblem.Subject: [SourceLocation]] = [:]
    /// Per service name: where each feature it lists was written, in the service's order.
    private var featureReferenceLocations: [String: [SourceLocation]] = [:]

    mutating func setProject(_ name: String, at location: SourceLocation) throws(RepoError) {
        if let project {
            guard project.name == name else {
                throw location.error("project is '\(name)' here but '\(project.name)' at \(project.location): a feature repo has one project; declare it once")
            }
            return
        }
        project = (name, location)
        locations[.project] = location
    }

    /// - Parameter location: where the entity's name was written.
    mutating func add(_ entity: Entity, at location: SourceLocation) throws(RepoError) {
        try record(.entity(entity.name), at: location, duplicate: "entity '\(entity.name)' is defined twice")
        entities.append(entity)
    }

    /// - Parameters:
    ///   - location: where the view's name was written.
    ///   - fieldLocations: where each field's name was written, in order.
    ///   - entityLocations: where each entity the view names was written, in order.
    mutating func add(
        _ view: FeatureView, at location: SourceLocation, fieldLocations: [SourceLocation], entityLocations: [SourceLocation]
    ) throws(RepoError) {
        let subject = DefinitionProblem.Subject.featureView(name: view.name, version: view.version)
        try record(subject, at: location, duplicate: "feature view '\(view.name)' version \(view.version) is defined twice; a changed schema needs a new version")
        for (field, fieldLocation) in zip(view.fields, fieldLocations) {
            try record(
                .field(view: view.name, version: view.version, field: field.name), at: fieldLocation,
                duplicate: "feature view '\(view.name)' has two fields named '\(field.name)'")
        }
        entityReferenceLocations[subject] = entityLocations
        featureViews.append(view)
    }

    /// - Parameters:
    ///   - location: where the service's name was written.
    ///   - featureLocations: where each feature reference was written, in order.
    mutating func add(_ service: FeatureService, at location: SourceLocation, featureLocations: [SourceLocation]) throws(RepoError) {
        try record(.featureService(service.name), at: location, duplicate: "feature service '\(service.name)' is defined twice")
        featureReferenceLocations[service.name] = featureLocations
        featureServices.append(service)
    }

    /// - Parameters:
    ///   - location: where `access:` was written.
    ///   - references: the names the policy refers to, checked by `build`.
    mutating func setAccess(_ policy: AccessPolicy, at location: SourceLocation, references: [AccessReference]) throws(RepoError) {
        if let access {
            throw location.error("'access' is declared twice (first at \(access.location)): a feature repo has one access policy; keep it in one file")
        }
        access = (policy, location, references)
        locations[.access] = location
    }

    private mutating func record(_ subject: DefinitionProblem.Subject, at location: SourceLocation, duplicate: String) throws(RepoError) {
        if let first = locations[subject] {
            throw location.error("\(duplicate) (first at \(first))")
        }
        locations[subject] = location
    }

    /// Validates the definitions as one repo.
    ///
    /// - Parameter repoPath: the directory or file the repo was loaded from, named by errors
    ///   that concern the repo as a whole (no project declared).
    func build(repoPath: String) throws(RepoError) -> FeatureRepo {
        guard let project else {
            throw RepoError(file: repoPath, message: "no 'project' in the feature repo: add a line 'project: <name>' at the top of one of its files")
        }
        try checkEntityReferences(repoPath: repoPath)

        let withoutServices: FeatureRepo
        do {
            withoutServices = try FeatureRepo(project: project.name, entities: entities, featureViews: featureViews, featureServices: [])
        } catch {
            throw locate(error, repoPath: repoPath)
        }
        try checkFeatureReferences(against: withoutServices, repoPath: repoPath)

        let repo: FeatureRepo
        do {
            repo = try FeatureRepo(project: project.name, entities: entities, featureViews: featureViews, featureServices: featureServices)
        } catch {
            throw locate(error, repoPath: repoPath)
        }
        guard let access else { return repo }
        try checkAccessReferences(access.policy, access.references, against: repo)
        do {
            return try FeatureRepo(
                project: project.name, entities: entities, featureViews: featureViews, featureServices: featureServices, access: access.policy)
        } catch {
            throw locate(error, repoPath: repoPath)
        }
    }

    /// Every principal, group, service, view and feature the access policy names is valid and
    /// exists; the error points at the name.
    private func checkAccessReferences(_ policy: AccessPolicy, _ references: [AccessReference], against repo: FeatureRepo) throws(RepoError) {
        for reference in references {
            let problem: String?
            switch reference.kind {
            case .member:
                problem = reference.text == AccessPolicy.everyone || reference.text.hasPrefix(AccessPolicy.groupPrefix) || reference.text.contains(where: \.isWhitespace)
                    ? "a group's members are principals' names (no spaces), not '\(reference.text)': groups do not nest"
                    : nil
            case .subject:
                problem = repo.accessSubjectProblem(reference.text, in: policy)
            case .service:
                if repo.featureService(named: reference.text) == nil {
                    let names = repo.featureServices.map(\.name)
                    let known = names.sorted().joined(separator: ", ")
                    problem = "a grant names unknown feature service '\(reference.text)'\(NameSuggestion.hint(for: reference.text, among: names)); known services: \(known.isEmpty ? "none" : known)"
                } else {
                    problem = nil
                }
            case .view:
                problem = repo.accessViewProblem(reference.text)
            case .feature(let feature):
                problem = repo.accessFeatureProblem(feature)
            }
            if let problem {
                throw reference.location.error(problem)
            }
        }
    }

    /// Every entity a view names exists; the error points at the entity's line in the view.
    private func checkEntityReferences(repoPath: String) throws(RepoError) {
        let names = entities.map(\.name)
        for view in featureViews {
            let subject = DefinitionProblem.Subject.featureView(name: view.name, version: view.version)
            let referenceLocations = entityReferenceLocations[subject] ?? []
            for (index, name) in view.entities.enumerated() where !names.contains(name) {
                let location = index < referenceLocations.count ? referenceLocations[index] : locations[subject]
                let known = names.isEmpty ? "none (declare entities under 'entities:')" : names.sorted().joined(separator: ", ")
                let hint = NameSuggestion.hint(for: name, among: names)
                throw (location ?? SourceLocation(file: repoPath)).error("feature view '\(view.name)' names unknown entity '\(name)'\(hint); known entities: \(known)")
            }
        }
    }

    /// Every feature a service lists resolves, once; the error points at the reference.
    private func checkFeatureReferences(against repo: FeatureRepo, repoPath: String) throws(RepoError) {
        for service in featureServices {
            let serviceLocation = locations[.featureService(service.name)] ?? SourceLocation(file: repoPath)
            let referenceLocations = featureReferenceLocations[service.name] ?? []
            var seen: [String: SourceLocation] = [:]
            for (index, reference) in service.features.enumerated() {
                let location = index < referenceLocations.count ? referenceLocations[index] : serviceLocation
                let resolved: ResolvedFeature
                do {
                    resolved = try repo.resolve(reference)
                } catch {
                    throw location.error("feature service '\(service.name)': \(error.message)")
                }
                if let first = seen[resolved.qualifiedName] {
                    throw location.error("feature service '\(service.name)' lists '\(resolved.qualifiedName)' twice (first at \(first)); remove one")
                }
                seen[resolved.qualifiedName] = location
            }
        }
    }

    /// The problem as an error at the definition it concerns; a field falls back to its view.
    private func locate(_ problem: DefinitionProblem, repoPath: String) -> RepoError {
        var location = locations[problem.subject]
        if location == nil, case .field(let view, let version, _) = problem.subject {
            location = locations[.featureView(name: view, version: version)]
        }
        return (location ?? SourceLocation(file: repoPath)).error(problem.message)
    }
}
