import SkewlessModel
import SkewlessWire

/// What one principal may do, resolved from the repo's access policy once, at the handshake
/// (and cached per principal): the fields it may read as a `FieldSet`, the services and views
/// as flags by index. A request is then checked with a few word operations and no name
/// matching (`checkRead`, `checkWrite`, `checkMethod`).
struct AccessRights: Sendable {
    let principal: String
    let isAdmin: Bool
    let isPeer: Bool
    /// The (view version, field) pairs it may read, by `FieldNumbering`.
    let readable: FieldSet
    /// By index in `repo.featureServices`: it may read through the service.
    let services: [Bool]
    /// By index in `repo.featureViews`: it may write the view version.
    let writable: [Bool]

    init(principal: String, claimedGroups: [String], policy: AccessPolicy, numbering: FieldNumbering) {
        let repo = numbering.repo
        let groups = policy.groups(of: principal, claimed: claimedGroups)
        self.principal = principal
        isAdmin = policy.isAdmin(principal, groups: groups)
        isPeer = policy.isPeer(principal, groups: groups)
        var readable = FieldSet(capacity: numbering.count)
        var writable = [Bool](repeating: isPeer, count: numbering.viewCount)
        var grantedServices = Set<String>()
        for (viewIndex, view) in repo.featureViews.enumerated() where isPeer {
            for field in view.fields.indices {
                readable.insert(numbering.number(of: view, field: field) ?? 0)
            }
            writable[viewIndex] = true
        }
        for grant in policy.grants(for: principal, groups: groups) {
            grantedServices.formUnion(grant.readServices)
            for name in grant.readViews {
                for view in Self.views(named: name, in: repo) {
                    for (index, field) in view.fields.enumerated() where !field.pii {
                        if let number = numbering.number(of: view, field: index) { readable.insert(number) }
                    }
                }
            }
            for reference in grant.readFeatures {
                let versions = reference.version.map { [$0] } ?? repo.featureViews.filter { $0.name == reference.view }.map(\.version)
                for version in versions {
                    if let view = repo.featureView(named: reference.view, version: version), let index = view.fieldIndex(named: reference.field),
                       let number = numbering.number(of: view, field: index) {
                        readable.insert(number)
                    }
                }
            }
            for name in grant.writeViews {
                for view in Self.views(named: name, in: repo) {
                    if let index = numbering.index(of: view) { writable[index] = true }
                }
            }
        }
        self.readable = readable
        self.writable = writable
        services = repo.featureServices.map { service in
            guard let features = try? repo.resolve(service: service.name) else { return false }
            let fields = numbering.set(of: features)
            if fields.isSubset(of: readable) { return true }
            // A service grant covers its fields but PII ones, which need their own grant.
            return grantedServices.contains(service.name)
                && features.allSatisfy { !$0.field.pii || readable.contains(numbering.number(of: $0.view, field: $0.fieldIndex) ?? -1) }
        }
    }

    /// `view` (every version) or `view@N`.
    private static func views(named text: String, in repo: FeatureRepo) -> [FeatureView] {
        if let view = try? repo.featureView(qualified: text), text.contains("@") { return [view] }
        return repo.featureViews.filter { $0.name == text }
    }

    // MARK: - Checks

    /// May it read what `plan` reads (through its service, or as a list of features)?
    func checkRead(_ plan: ServingPlan, numbering: FieldNumbering) throws(SkewlessError) {
        try checkRead(plan.fields, service: plan.service, numbering: numbering)
    }

    /// May it read `fields`, through `service` when one is named (nil: as a list of features)?
    /// Also the check of a training set's features (GET_HISTORICAL_FEATURES).
    func checkRead(_ fields: FieldSet, service: (name: String, index: Int)?, numbering: FieldNumbering) throws(SkewlessError) {
        if let service {
            guard services[service.index] else {
                throw SkewlessError(.permissionDenied, "principal '\(principal)' may not read feature service '\(service.name)'\(piiHint(fields, numbering: numbering)): ask for a grant of it in the feature repo's access policy")
            }
            return
        }
        guard fields.isSubset(of: readable) else {
            throw SkewlessError(.permissionDenied, "principal '\(principal)' may not read \(denied(fields, numbering: numbering)): ask for a grant in the feature repo's access policy")
        }
    }

    /// The features of `fields` it may not read, named (at most 5), PII ones marked.
    private func denied(_ fields: FieldSet, numbering: FieldNumbering) -> String {
        let missing = fields.subtracting(readable)
        var names = missing.prefix(5).map { number -> String in
            let (view, field) = numbering.feature(number)
            return "\(view.qualifiedName):\(field.name)" + (field.pii ? " (PII: readable only through a grant naming the field)" : "")
        }
        if missing.count > 5 { names.append("\(missing.count - 5) more") }
        return names.joined(separator: ", ")
    }

    private func piiHint(_ fields: FieldSet, numbering: FieldNumbering) -> String {
        let pii = fields.subtracting(readable).map { numbering.feature($0) }.filter { $0.field.pii }
        guard !pii.isEmpty else { return "" }
        return " (it holds PII fields, each readable only through a grant naming it: " + pii.map { "\($0.view.qualifiedName):\($0.field.name)" }.joined(separator: ", ") + ")"
    }

    /// May it write `view` (a client's batch), or apply a logged batch as a replica (peers only)?
    func checkWrite(_ view: FeatureView, replicaApply: Bool, numbering: FieldNumbering) throws(SkewlessError) {
        if replicaApply {
            guard isPeer else {
                throw SkewlessError(.permissionDenied, "principal '\(principal)' may not apply writes as a replica (replica_apply): only the cluster's nodes (the access policy's peers) may")
            }
            return
        }
        guard let index = numbering.index(of: view), writable[index] else {
            throw SkewlessError(.permissionDenied, "principal '\(principal)' may not write feature view '\(view.qualifiedName)': ask for a write grant of it in the feature repo's access policy")
        }
    }

    /// May it INGEST rows of `view` into the offline store? A write grant of the view, or an
    /// admin (fsctl ingest as an operator) or a peer.
    func checkIngest(_ view: FeatureView, numbering: FieldNumbering) throws(SkewlessError) {
        guard !isAdmin else { return }
        guard let index = numbering.index(of: view), writable[index] else {
            throw SkewlessError(.permissionDenied, "principal '\(principal)' may not ingest into feature view '\(view.qualifiedName)': ask for a write grant of it in the feature repo's access policy, or ingest as an admin")
        }
    }

    /// May it call `method` at all? Feature reads and writes are checked further by
    /// `checkRead` and `checkWrite`.
    func checkMethod(_ method: Skewless_V1_Method) throws(SkewlessError) {
        switch Self.requirement(of: method) {
        case .anyPrincipal:
            return
        case .adminOrPeer:
            guard isAdmin || isPeer else {
                throw SkewlessError(.permissionDenied, "principal '\(principal)' may not call \(Self.name(of: method)): it is an admin method, for the access policy's admins and the cluster's nodes")
            }
        }
    }

    enum Requirement {
        /// Any authenticated principal (data methods check grants further).
        case anyPrincipal
        case adminOrPeer
    }

    /// Who may call a method. The switch names every method, so that a method added to the
    /// protocol does not compile until it is placed here (a new admin method: `.adminOrPeer`).
    static func requirement(of method: Skewless_V1_Method) -> Requirement {
        switch method {
        case .handshake, .health, .describe, .getClusterMap, .getOnlineFeatures, .writeFeatures, .getHistoricalFeatures, .ingest, .unspecified:
            return .anyPrincipal
        case .materialize, .setClusterMap, .exportRows, .partitionDigest:
            return .adminOrPeer
        case .UNRECOGNIZED:
            // Answered UNIMPLEMENTED, which says nothing a denial would not.
            return .anyPrincipal
        }
    }

    static func name(of method: Skewless_V1_Method) -> String {
        switch method {
        case .materialize: return "MATERIALIZE"
        case .setClusterMap: return "SET_CLUSTER_MAP"
        case .exportRows: return "EXPORT_ROWS"
        case .partitionDigest: return "PARTITION_DIGEST"
        default: return "method \(method.rawValue)"
        }
    }
}
