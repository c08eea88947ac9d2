import SkewlessModel

// The JSON form of the map (docs/cluster.md, "The map file"); `ClusterMapFile` reads and
// writes it. Decoding checks the map's consistency.

extension ClusterMap: Codable {
    /// The version of the JSON form this build writes and the newest it reads.
    package static let formatVersion = 1

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case epoch
        case partitionCount = "partition_count"
        case replicationFactor = "replication_factor"
        case nodes
        case replicas
        case moves
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .formatVersion)
        guard version <= Self.formatVersion else {
            throw SkewlessError(.failedPrecondition, "the cluster map is format \(version) but this build reads format \(Self.formatVersion) at most: upgrade Skewless")
        }
        try self.init(
            epoch: container.decode(UInt64.self, forKey: .epoch),
            partitioner: Partitioner(partitionCount: container.decode(Int.self, forKey: .partitionCount)),
            replicationFactor: container.decode(Int.self, forKey: .replicationFactor),
            nodes: container.decode([ClusterNode].self, forKey: .nodes),
            assignment: PartitionAssignment(replicas: container.decode([[NodeID]].self, forKey: .replicas)),
            moves: container.decode([PartitionMove].self, forKey: .moves)
        )
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.formatVersion, forKey: .formatVersion)
        try container.encode(epoch, forKey: .epoch)
        try container.encode(partitionCount, forKey: .partitionCount)
        try container.encode(replicationFactor, forKey: .replicationFactor)
        try container.encode(nodes, forKey: .nodes)
        try container.encode(assignment.replicas, forKey: .replicas)
        try container.encode(moves, forKey: .moves)
    }
}
