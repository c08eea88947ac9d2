import SkewlessCluster
import SkewlessModel
import SkewlessWire

/// How a read of a feature service or a feature list splits across a cluster: its features
/// grouped by the entity key they route by (docs/cluster.md: each view routes by its own key),
/// and where each group's columns go in the answer.
///
/// Views with the same join keys route every row the same way, so they form one group and
/// travel in one sub-request per node. Built once per request shape and repo.
struct RoutingPlan: Sendable {
    struct Group: Sendable {
        /// The join keys of the group's views, in the views' key order: the routing key.
        let joinKeys: [JoinKey]
        /// "view@version:field" for each feature of the group, in answer order.
        let features: [String]
        /// `features`, as the decoder compares a node's column names with them.
        let expectedNames: ColumnNames
        /// The feature service whose features this group is, all of them in its order, when
        /// it is: sub-requests then name the service, which each node has prepared, rather
        /// than listing its features.
        let service: String?

        init(joinKeys: [JoinKey], features: [String], service: String? = nil) {
            self.joinKeys = joinKeys
            self.features = features
            self.expectedNames = ColumnNames(features)
            self.service = service
        }
    }

    let groups: [Group]
    /// For each column of the answer, in request order: its group and its column there.
    let columns: [(group: Int, column: Int)]
    /// The feature service this plan reads, if it reads one: sub-requests that list a
    /// group's features name it for the nodes' served-feature logs.
    let service: String?

    /// - Parameter service: the service `features` are, if they are one.
    init(features: [ResolvedFeature], repo: FeatureRepo, service: String? = nil) {
        var keys: [[JoinKey]] = []
        var names: [[String]] = []
        var columns: [(group: Int, column: Int)] = []
        columns.reserveCapacity(features.count)
        for feature in features {
            let joinKeys = repo.joinKeys(of: feature.view)
            let group: Int
            if let known = keys.firstIndex(of: joinKeys) {
                group = known
            } else {
                group = keys.count
                keys.append(joinKeys)
                names.append([])
            }
            columns.append((group, names[group].count))
            names[group].append(feature.qualifiedName)
        }
        // A service whose views all route by one key is one group: its sub-requests name it.
        let wholeService = keys.count == 1 ? service : nil
        groups = zip(keys, names).map { Group(joinKeys: $0, features: $1, service: wholeService) }
        self.columns = columns
        self.service = service
    }

    /// The plan of a feature service.
    /// - Throws: `NOT_FOUND` for a service or feature the repo does not define.
    static func service(_ name: String, repo: FeatureRepo) throws(SkewlessError) -> RoutingPlan {
        RoutingPlan(features: try repo.resolve(service: name), repo: repo, service: name)
    }

    /// The plan of a feature list ("view:field" or "view@version:field").
    /// - Throws: `INVALID_ARGUMENT` for a malformed name, `NOT_FOUND` for an unknown one.
    static func features(_ names: [String], repo: FeatureRepo) throws(SkewlessError) -> RoutingPlan {
        var resolved: [ResolvedFeature] = []
        resolved.reserveCapacity(names.count)
        for name in names {
            resolved.append(try repo.resolve(FeatureReference(parsing: name)))
        }
        return RoutingPlan(features: resolved, repo: repo)
    }
}

extension RoutingPlan.Group {
    /// The partition of every entity row by this group's key.
    /// - Throws: `INVALID_ARGUMENT` for a row that lacks one of the keys or gives it the
    ///   wrong type, as a node would.
    func partitions(of entities: [[String: KeyPart]], partitioner: Partitioner) throws(SkewlessError) -> [Int] {
        var partitions: [Int] = []
        partitions.reserveCapacity(entities.count)
        if joinKeys.count == 1 {
            let key = joinKeys[0]
            for (row, entity) in entities.enumerated() {
                switch (key.type.storage, entity[key.name]?.storage) {
                case (.int64, .int64(let value)?): partitions.append(partitioner.partition(ofInt64: value))
                case (.string, .string(let value)?): partitions.append(partitioner.partition(ofString: value))
                case (_, let part): throw Self.badKey(key, part: part.map(KeyPart.init), row: row)
                }
            }
            return partitions
        }
        var parts: [KeyPart] = []
        parts.reserveCapacity(joinKeys.count)
        for (row, entity) in entities.enumerated() {
            parts.removeAll(keepingCapacity: true)
            for key in joinKeys {
                guard let part = entity[key.name], part.type == key.type else {
                    throw Self.badKey(key, part: entity[key.name], row: row)
                }
                parts.append(part)
            }
            partitions.append(partitioner.partition(ofParts: parts))
        }
        return partitions
    }

    private static func badKey(_ key: JoinKey, part: KeyPart?, row: Int) -> SkewlessError {
        guard let part else {
            return SkewlessError(.invalidArgument, "entity row \(row) has no value for join key '\(key.name)' (\(key.type.rawValue)): give every join key the requested features need")
        }
        return SkewlessError(.invalidArgument, "join key '\(key.name)' is \(key.type.rawValue) but entity row \(row) gives the \(part.type.rawValue) \(part)")
    }
}
