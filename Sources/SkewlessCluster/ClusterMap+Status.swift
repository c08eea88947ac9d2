// The map for people: what `fsctl status` prints.

extension ClusterMap {
    /// Nodes with their state, replicas and preferred replicas; under-replicated and
    /// unavailable partitions; moves in progress.
    /// - Parameter live: the nodes that answered a health check; nil trusts the map's states.
    ///   A node outside `live` shows as `down` whatever the map says.
    package func statusSummary(live: Set<NodeID>? = nil) -> String {
        let live = live ?? nodesNotDown
        let replicaCounts = assignment.replicaCounts()
        let preferredCounts = assignment.preferredCounts()
        let upCount = nodes.count { live.contains($0.id) }
        var lines = [
            "Cluster map epoch \(epoch): \(nodes.count) nodes (\(upCount) up, \(nodes.count - upCount) down), \(partitionCount) partitions x \(replicationFactor) replicas",
            "",
            "NODE".padded(to: 16) + "ADDRESS".padded(to: 24) + "STATE".padded(to: 10) + "REPLICAS".leftPadded(to: 9) + "PREFERRED".leftPadded(to: 10) + "INCOMING".leftPadded(to: 9),
        ]
        for node in nodes {
            let state = live.contains(node.id) ? (node.state == .down ? "up" : node.state.rawValue) : "down"
            let incoming = moves.count { $0.to == node.id && $0.phase != .draining }
            lines.append(
                node.id.rawValue.padded(to: 16) + node.address.description.padded(to: 24) + state.padded(to: 10)
                    + String(replicaCounts[node.id, default: 0]).leftPadded(to: 9)
                    + String(preferredCounts[node.id, default: 0]).leftPadded(to: 10)
                    + String(incoming).leftPadded(to: 9)
            )
        }
        lines.append("")
        let under = underReplicatedPartitions(live: live)
        let unavailable = unavailablePartitions(live: live)
        if under.isEmpty {
            lines.append("Under-replicated partitions: none")
        } else {
            lines.append("Under-replicated partitions: \(under.count) of \(partitionCount): \(Self.list(under))")
        }
        if !unavailable.isEmpty {
            lines.append("Unavailable partitions (no live replica): \(unavailable.count): \(Self.list(unavailable))")
        }
        if moves.isEmpty {
            lines.append("Moves in progress: none")
        } else {
            let byPhase = MovePhase.allCases.compactMap { phase -> String? in
                let count = moves.count { $0.phase == phase }
                return count == 0 ? nil : "\(phase.rawValue) \(count)"
            }
            lines.append("Moves in progress: \(moves.count) (\(byPhase.joined(separator: ", ")))")
        }
        return lines.joined(separator: "\n")
    }

    private static func list(_ partitions: [Int], limit: Int = 20) -> String {
        let shown = partitions.prefix(limit).map(String.init).joined(separator: ", ")
        return partitions.count > limit ? shown + ", ..." : shown
    }
}
