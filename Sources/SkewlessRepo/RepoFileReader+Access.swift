import SkewlessModel

extension RepoFileReader {
    static let accessKeys = ["groups", "admins", "peers", "grants"]
    static let grantKeys = ["to", "read", "write"]
    static let readGrantKeys = ["services", "views", "features"]
    static let writeGrantKeys = ["views"]

    /// `access:`, the repo's access policy (docs/feature-repo.md, "Access"). Names are checked
    /// against the rest of the repo when it is built (`RepoDraft`).
    /// - Parameter declaredAt: where the key `access` was written.
    static func readAccess(_ node: YAMLNode, declaredAt: SourceLocation, into draft: inout RepoDraft) throws(RepoError) {
        let what = "'access'"
        let map = try node.mapping(what)
        try map.rejectUnknownKeys(allowed: Self.accessKeys, in: what)
        var policy = AccessPolicy()
        var references: [AccessReference] = []

        if let groupsNode = map.optional("groups") {
            for entry in try groupsNode.mapping("'groups' of 'access'").entries {
                let group = entry.key
                let members = try entry.value.sequence("the members of group '\(group)'")
                guard !members.isEmpty else {
                    throw entry.keyNode.error("group '\(group)' has no members: list its principals, or remove it")
                }
                policy.groups[group] = try members.map { (member) throws(RepoError) in
                    let name = try member.string("each member of group '\(group)'")
                    references.append(AccessReference(kind: .member, text: name, location: member.location))
                    return name
                }
            }
        }
        policy.admins = try subjects(map.optional("admins"), "'admins' of 'access'", into: &references)
        policy.peers = try subjects(map.optional("peers"), "'peers' of 'access'", into: &references)

        for (index, item) in try (map.optional("grants")?.sequence("'grants' of 'access'") ?? []).enumerated() {
            let grantWhat = "grant \(index + 1) of 'access'"
            let grantMap = try item.mapping(grantWhat)
            try grantMap.rejectUnknownKeys(allowed: Self.grantKeys, in: grantWhat)
            let toNode = try grantMap.required("to", in: grantWhat)
            var grant = AccessGrant(to: try subjects(toNode, "'to' of \(grantWhat)", into: &references))
            guard !grant.to.isEmpty else {
                throw toNode.error("'to' of \(grantWhat) names nobody: list principals, group:NAME, or *")
            }
            if let readNode = grantMap.optional("read") {
                let readMap = try readNode.mapping("'read' of \(grantWhat)")
                try readMap.rejectUnknownKeys(allowed: Self.readGrantKeys, in: "'read' of \(grantWhat)")
                grant.readServices = try names(readMap.optional("services"), "'read: services' of \(grantWhat)", kind: .service, into: &references)
                grant.readViews = try names(readMap.optional("views"), "'read: views' of \(grantWhat)", kind: .view, into: &references)
                for featureNode in try readMap.optional("features")?.sequence("'read: features' of \(grantWhat)") ?? [] {
                    let text = try featureNode.string("each feature of 'read: features' of \(grantWhat)")
                    let reference: FeatureReference
                    do {
                        reference = try FeatureReference(parsing: text)
                    } catch {
                        throw featureNode.error("\(error.message) (in \(grantWhat))")
                    }
                    grant.readFeatures.append(reference)
                    references.append(AccessReference(kind: .feature(reference), text: text, location: featureNode.location))
                }
            }
            if let writeNode = grantMap.optional("write") {
                let writeMap = try writeNode.mapping("'write' of \(grantWhat)")
                try writeMap.rejectUnknownKeys(allowed: Self.writeGrantKeys, in: "'write' of \(grantWhat)")
                grant.writeViews = try names(writeMap.optional("views"), "'write: views' of \(grantWhat)", kind: .view, into: &references)
            }
            guard !grant.isEmpty else {
                throw item.error("\(grantWhat) grants nothing: give 'read' (services, views, features) or 'write' (views)")
            }
            policy.grants.append(grant)
        }
        try draft.setAccess(policy, at: declaredAt, references: references)
    }

    /// A list of subjects (principals, group:NAME, *), each recorded for the repo-wide check.
    private static func subjects(_ node: YAMLNode?, _ what: String, into references: inout [AccessReference]) throws(RepoError) -> [String] {
        try names(node, what, kind: .subject, into: &references)
    }

    private static func names(_ node: YAMLNode?, _ what: String, kind: AccessReference.Kind, into references: inout [AccessReference]) throws(RepoError) -> [String] {
        guard let node else { return [] }
        return try node.sequence(what).map { (item) throws(RepoError) in
            let text = try item.string("each item of \(what)")
            references.append(AccessReference(kind: kind, text: text, location: item.location))
            return text
        }
    }
}
