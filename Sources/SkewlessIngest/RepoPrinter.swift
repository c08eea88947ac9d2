import SkewlessModel

/// Prints a feature repo's definitions: `fsctl validate`'s summary, `fsctl describe`'s
/// text and its JSON.
package enum RepoPrinter {
    /// Fields (or service features) listed per view before the rest are only counted, in a
    /// description of the whole repo; describing one view or service lists them all.
    static let itemsShownInOverview = 12

    /// What a repo holds, in four lines.
    package static func summary(_ repo: FeatureRepo) -> String {
        let viewNames = Set(repo.featureViews.map(\.name))
        return """
            project \(repo.project)
              \(count(repo.entities.count, "entity", "entities")): \(repo.entities.map(\.name).joined(separator: ", "))
              \(count(viewNames.count, "feature view", "feature views")), \(count(repo.featureViews.count, "version", "versions")): \(repo.featureViews.map(\.qualifiedName).joined(separator: ", "))
              \(count(repo.featureServices.count, "feature service", "feature services")): \(repo.featureServices.map(\.name).joined(separator: ", "))
            """
    }

    /// The definitions a name picks: an entity, a view (every version, or `name@version`)
    /// or a service; nil picks everything. Nil when the name picks nothing.
    package struct Selection: Sendable {
        var entities: [Entity]
        var views: [FeatureView]
        var services: [FeatureService]
        var isWholeRepo: Bool
    }

    package static func select(_ name: String?, in repo: FeatureRepo) -> Selection? {
        guard let name else {
            return Selection(entities: repo.entities, views: repo.featureViews, services: repo.featureServices, isWholeRepo: true)
        }
        let views = repo.featureViews.filter { $0.name == name || $0.qualifiedName == name }
        let selection = Selection(
            entities: repo.entities.filter { $0.name == name }, views: views,
            services: repo.featureServices.filter { $0.name == name }, isWholeRepo: false)
        return selection.entities.isEmpty && selection.views.isEmpty && selection.services.isEmpty ? nil : selection
    }

    package static func allNames(in repo: FeatureRepo) -> [String] {
        repo.entities.map(\.name) + Array(Set(repo.featureViews.map(\.name))).sorted() + repo.featureServices.map(\.name)
    }

    // MARK: - Text

    package static func text(_ selection: Selection, repo: FeatureRepo) -> String {
        var sections: [String] = []
        if selection.isWholeRepo { sections.append("project \(repo.project)") }
        if !selection.entities.isEmpty {
            let rows = selection.entities.map { entity in
                [entity.name, entity.joinKeys.map { "\($0.name) \($0.type.rawValue)" }.joined(separator: ", "), entity.description]
            }
            sections.append("entities\n" + TablePrinter(rows: rows, indent: 2).render())
        }
        if !selection.views.isEmpty {
            let limit = selection.isWholeRepo ? itemsShownInOverview : Int.max
            sections.append("feature views\n" + selection.views.map { view(of: $0, repo: repo, fieldLimit: limit) }.joined(separator: "\n\n"))
        }
        if !selection.services.isEmpty {
            let limit = selection.isWholeRepo ? itemsShownInOverview : Int.max
            sections.append("feature services\n" + selection.services.map { service(of: $0, repo: repo, featureLimit: limit) }.joined(separator: "\n\n"))
        }
        return sections.joined(separator: "\n\n")
    }

    private static func view(of view: FeatureView, repo: FeatureRepo, fieldLimit: Int) -> String {
        let keys = repo.joinKeys(of: view).map { "\($0.name) \($0.type.rawValue)" }.joined(separator: ", ")
        var about: [[String]] = [
            ["entities", "\(view.entities.joined(separator: ", ")) (key: \(keys))"],
            ["ttl", "\(ValueFormatter.duration(seconds: view.ttlSeconds)); \(view.stalenessPolicy.rawValue): \(staleness(view.stalenessPolicy))"],
        ]
        if !view.owner.isEmpty { about.append(["owner", view.owner]) }
        if !view.description.isEmpty { about.append(["description", view.description]) }
        if !view.tags.isEmpty {
            about.append(["tags", view.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")])
        }
        let fieldRows = view.fields.prefix(fieldLimit).map { field in
            [field.name, field.type.description, field.defaultValue.map { "default " + defaultText($0) } ?? "", field.description]
        }
        var text = "  \(view.qualifiedName)\n" + TablePrinter(rows: about, indent: 4).render()
            + "\n    fields\n" + TablePrinter(rows: fieldRows, indent: 6).render()
        if view.fields.count > fieldLimit {
            text += "\n      ... and \(view.fields.count - fieldLimit) more (fsctl describe \(view.qualifiedName) lists every field)"
        }
        return text
    }

    private static func service(of service: FeatureService, repo: FeatureRepo, featureLimit: Int) -> String {
        var about: [[String]] = []
        if !service.owner.isEmpty { about.append(["owner", service.owner]) }
        if !service.description.isEmpty { about.append(["description", service.description]) }
        if service.logSampleRate > 0 { about.append(["logged", "\(service.logSampleRate * 100)% of reads (log_sample_rate \(service.logSampleRate); docs/served-log.md)"]) }
        let rows = service.features.prefix(featureLimit).map { reference in
            guard let resolved = try? repo.resolve(reference) else { return [reference.description, "(does not resolve)"] }
            return [resolved.qualifiedName, resolved.field.type.description]
        }
        var text = "  \(service.name)\n"
        if !about.isEmpty { text += TablePrinter(rows: about, indent: 4).render() + "\n" }
        text += "    features\n" + TablePrinter(rows: rows, indent: 6).render()
        if service.features.count > featureLimit {
            text += "\n      ... and \(service.features.count - featureLimit) more (fsctl describe \(service.name) lists every feature)"
        }
        return text
    }

    /// Strings quoted, so that `""` and `unknown` read as values.
    private static func defaultText(_ value: FeatureValue) -> String {
        if case .string(let text) = value.storage { return JSONValue.string(text).serialized(indent: nil) }
        return ValueFormatter.short(value)
    }

    private static func staleness(_ policy: StalenessPolicy) -> String {
        switch policy {
        case .serveFlagged: return "stale rows are served, flagged stale"
        case .serveDefault: return "stale rows are served as each field's default"
        case .failClosed: return "a request touching a stale row fails"
        }
    }

    private static func count(_ number: Int, _ singular: String, _ plural: String) -> String {
        "\(number) \(number == 1 ? singular : plural)"
    }

    // MARK: - JSON

    package static func json(_ selection: Selection, repo: FeatureRepo) -> JSONValue {
        var members: [JSONValue.Member] = []
        members.append(JSONValue.Member("project", .string(repo.project)))
        members.append(JSONValue.Member("entities", .array(selection.entities.map { entity in
            .object([
                JSONValue.Member("name", .string(entity.name)),
                JSONValue.Member("join_keys", .array(entity.joinKeys.map { key in
                    .object([JSONValue.Member("name", .string(key.name)), JSONValue.Member("type", .string(key.type.rawValue))])
                })),
                JSONValue.Member("description", .string(entity.description)),
            ])
        })))
        members.append(JSONValue.Member("feature_views", .array(selection.views.map { view in
            .object([
                JSONValue.Member("name", .string(view.name)),
                JSONValue.Member("version", .integer(view.version)),
                JSONValue.Member("entities", .array(view.entities.map { .string($0) })),
                JSONValue.Member("join_keys", .array(repo.joinKeys(of: view).map { .string($0.name) })),
                JSONValue.Member("ttl_seconds", .integer(view.ttlSeconds)),
                JSONValue.Member("staleness", .string(view.stalenessPolicy.rawValue)),
                JSONValue.Member("owner", .string(view.owner)),
                JSONValue.Member("description", .string(view.description)),
                JSONValue.Member("tags", .object(view.tags.sorted { $0.key < $1.key }.map { JSONValue.Member($0.key, .string($0.value)) })),
                JSONValue.Member("fields", .array(view.fields.map { field in
                    .object([
                        JSONValue.Member("name", .string(field.name)),
                        JSONValue.Member("type", .string(field.type.description)),
                        JSONValue.Member("default", field.defaultValue.map(ValueFormatter.json) ?? .null),
                        JSONValue.Member("description", .string(field.description)),
                    ])
                })),
            ])
        })))
        members.append(JSONValue.Member("feature_services", .array(selection.services.map { service in
            .object([
                JSONValue.Member("name", .string(service.name)),
                JSONValue.Member("owner", .string(service.owner)),
                JSONValue.Member("description", .string(service.description)),
                JSONValue.Member("log_sample_rate", .number(String(service.logSampleRate))),
                JSONValue.Member("features", .array(service.features.map { reference in
                    .string((try? repo.resolve(reference))?.qualifiedName ?? reference.description)
                })),
            ])
        })))
        return .object(members)
    }
}
