import Skewless

/// What one request fetches: a feature service or a feature list, resolved against the
/// node's definitions into per-view groups of fields (the Redis baseline fetches one hash
/// per view and entity). Every view must be keyed by the same single int64 join key, so
/// synthetic ids 1...N name entities of every view.
package struct RequestShape: Sendable, Hashable {
    package enum Selection: Sendable, Hashable, CustomStringConvertible {
        case service(String)
        case features([String])

        package var description: String {
            switch self {
            case .service(let name): return "service \(name)"
            case .features(let list): return "features \(list.joined(separator: ","))"
            }
        }
    }

    /// The fields of one view that a request reads.
    package struct ViewGroup: Sendable, Hashable {
        package var view: FeatureView
        package var fields: [Field]
    }

    package var selection: Selection
    package var joinKey: String
    package var groups: [ViewGroup]

    package init(selection: Selection, joinKey: String, groups: [ViewGroup]) {
        self.selection = selection
        self.joinKey = joinKey
        self.groups = groups
    }

    /// Features per entity.
    package var featureCount: Int { groups.reduce(0) { $0 + $1.fields.count } }

    /// Resolves a selection against the definitions a node describes.
    package static func resolve(_ selection: Selection, in repo: FeatureRepo) throws(SkewlessError) -> RequestShape {
        let features: [ResolvedFeature]
        switch selection {
        case .service(let name):
            features = try repo.resolve(service: name)
        case .features(let list):
            var resolved: [ResolvedFeature] = []
            for text in list { resolved.append(try repo.resolve(FeatureReference(parsing: text))) }
            features = resolved
        }
        guard !features.isEmpty else { throw SkewlessError(.invalidArgument, "\(selection) names no features; give at least one") }
        var groups: [ViewGroup] = []
        for feature in features {
            if let index = groups.firstIndex(where: { $0.view.qualifiedName == feature.view.qualifiedName }) {
                groups[index].fields.append(feature.field)
            } else {
                groups.append(ViewGroup(view: feature.view, fields: [feature.field]))
            }
        }
        var joinKey: String?
        for group in groups {
            let keys = repo.joinKeys(of: group.view)
            guard keys.count == 1, keys[0].type == .int64, joinKey == nil || joinKey == keys[0].name else {
                throw SkewlessError(
                    .invalidArgument,
                    "\(selection): view \(group.view.qualifiedName) is keyed by \(keys.map { "\($0.name) (\($0.type))" }.joined(separator: ", ")); "
                        + "fsbench needs every view keyed by one and the same int64 join key, so synthetic ids name entities of every view")
            }
            joinKey = keys[0].name
        }
        return RequestShape(selection: selection, joinKey: joinKey ?? "", groups: groups)
    }
}
