import SkewlessModel
import Yams

extension RepoFileReader {
    static func readFeatureService(_ node: YAMLNode, into draft: inout RepoDraft) throws(RepoError) {
        let map = try node.mapping("each item of 'feature_services'")
        let unnamed = map.nameHint.map { "feature service '\($0)'" } ?? "a feature service"
        try map.rejectUnknownKeys(allowed: Self.serviceKeys, in: unnamed)
        let nameNode = try map.required("name", in: unnamed)
        let name = try nameNode.string("the name of a feature service")
        let what = "feature service '\(name)'"

        var features: [FeatureReference] = []
        var featureLocations: [SourceLocation] = []
        for item in try map.required("features", in: what).sequence("'features' of \(what)") {
            if case .mapping = item.node {
                for (reference, location) in try readFeatureGroup(item, of: what) {
                    features.append(reference)
                    featureLocations.append(location)
                }
            } else {
                let text = try item.string("each feature of \(what)")
                do {
                    features.append(try FeatureReference(parsing: text))
                } catch {
                    throw item.error("\(error.message) (in \(what))")
                }
                featureLocations.append(item.location)
            }
        }
        let owner = try map.optional("owner")?.string("'owner' of \(what)") ?? ""
        let description = try map.optional("description")?.string("'description' of \(what)") ?? ""
        let logSampleRate = try map.optional("log_sample_rate").map { node throws(RepoError) in try readLogSampleRate(node, of: what) } ?? 0
        try draft.add(
            FeatureService(name: name, features: features, owner: owner, description: description, logSampleRate: logSampleRate),
            at: nameNode.location, featureLocations: featureLocations)
    }

    /// `log_sample_rate:` of a service: the share of its reads whose served rows are logged
    /// (docs/served-log.md), a number from 0 to 1.
    static func readLogSampleRate(_ node: YAMLNode, of service: String) throws(RepoError) -> Double {
        let text = try node.string("'log_sample_rate' of \(service)")
        guard let rate = Double(text), rate.isFinite, rate >= 0, rate <= 1 else {
            throw node.error("'log_sample_rate' of \(service) is '\(YAMLNode.clipped(text))': give the share of reads to log, from 0 (none) to 1 (every read), for example log_sample_rate: 0.1")
        }
        return rate
    }

    /// `{view: name, fields: [a, b]}` or `{view: name@2, fields: [a, b]}`: one reference per field.
    static func readFeatureGroup(_ node: YAMLNode, of service: String) throws(RepoError) -> [(FeatureReference, SourceLocation)] {
        let group = try node.mapping("a group of features of \(service)")
        let what = "a group of features of \(service)"
        try group.rejectUnknownKeys(allowed: Self.featureGroupKeys, in: what)
        let viewNode = try group.required("view", in: what)
        let viewText = try viewNode.string("'view' of \(what)")
        let (view, version) = try Self.parseQualifiedView(viewText, at: viewNode, in: service)
        var references: [(FeatureReference, SourceLocation)] = []
        for fieldNode in try group.required("fields", in: what).sequence("'fields' of the group for view '\(viewText)' in \(service)") {
            let field = try fieldNode.string("each field of the group for view '\(viewText)' in \(service)")
            references.append((FeatureReference(view: view, version: version, field: field), fieldNode.location))
        }
        return references
    }

    /// `name` or `name@N`.
    static func parseQualifiedView(_ text: String, at node: YAMLNode, in service: String) throws(RepoError) -> (String, Int?) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        if parts.count == 1, !text.isEmpty, !text.contains(":") {
            return (text, nil)
        }
        if parts.count == 2, !parts[0].isEmpty, !parts[0].contains(":"), let version = Int(parts[1]), version > 0 {
            return (String(parts[0]), version)
        }
        throw node.error("'view' of a group of features of \(service) is '\(text)': write the view's name, or name@N for version N (the fields go under 'fields')")
    }
}
