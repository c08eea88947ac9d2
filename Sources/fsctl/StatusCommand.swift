import Foundation
import ArgumentParser
import Skewless
import SkewlessCluster
import SkewlessControl
import SkewlessIngest

/// `fsctl status`: the cluster map as one node holds it, and what every node answers.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the cluster: nodes up or down, partitions per node, under-replicated partitions, moves in progress.",
        discussion: """
            Reads the map from the first node of --node that answers (a dead one is skipped), or from etcd with --etcd, then asks every node the map lists for its map and loaded partitions: a node that does not answer is shown down. With --etcd it also shows what the cluster's controller is doing: nodes down and since when, partitions under-replicated and since when, re-replication due, moves in progress, its latest actions.
            """)

    @OptionGroup var clusterOptions: ClusterOptions

    func run() async throws {
        try await CommandFailure.reporting(node: clusterOptions.hintNode) {
            try await clusterOptions.withStore(defaultTimeoutMilliseconds: 1_000) { store, admin, control in
                try await show(store: store, admin: admin, control: control)
            }
        }
    }

    private func show(store: any ClusterMapStore, admin: NodeAdmin, control: ControlStore?) async throws {
        let map = try await store.load()
        let probe = await admin.probe(map.nodes)
        // Live: answering, and not marked down by an operator (fsctl node down): a node
        // marked down counts as down even while it answers (the ANSWERS column says so).
        let answering = Set(probe.compactMap { id, result in (try? result.get()) == nil ? nil : id })
        let live = answering.intersection(map.nodesNotDown)
        print(map.statusSummary(live: live))
        print("")
        var rows: [[String]] = []
        for node in map.nodes {
            let held = map.partitionsHeld(by: node.id).count
            switch probe[node.id] {
            case .success(let state)?:
                let epoch = state.epoch == map.epoch ? String(state.epoch) : "\(state.epoch) (behind: fsctl cluster sync)"
                rows.append([node.id.rawValue, "yes", epoch, String(state.loadedPartitions.count), String(held)])
            case .failure(let error)?:
                rows.append([node.id.rawValue, "no: \(error.code)", "-", "-", String(held)])
            case nil:
                rows.append([node.id.rawValue, "not asked", "-", "-", String(held)])
            }
        }
        print(TablePrinter(headers: ["NODE", "ANSWERS", "EPOCH", "LOADED", "HOLDS"], rows: rows).render())
        if let control {
            print("")
            let now = WallClock.nowMicros()
            if let bytes = try await control.status(), let status = try? JSONDecoder().decode(ControllerStatus.self, from: Data(bytes)) {
                print(status.summary(nowMicros: now))
            } else {
                print("Controller: none elected (start fsnode with --etcd, or fsctl controller --etcd)")
            }
        }
        try await printFreshness(map: map, live: answering, admin: admin)
    }

    /// Per view: the newest row any live node holds, and the write log's unsealed backlog
    /// (the same in every node's answer: the logs are in the shared offline store).
    private func printFreshness(map: ClusterMap, live: Set<NodeID>, admin: NodeAdmin) async throws {
        var byView: [String: (event: Int64?, arrival: Int64?, logged: UInt64, backlog: ViewFreshness?)] = [:]
        var order: [String] = []
        var repairs: [[String]] = []
        for node in map.nodes where live.contains(node.id) {
            let health = try? await admin.withNode(node.address) { client throws(SkewlessError) in try await client.health() }
            if let repair = health?.antiEntropy {
                repairs.append(Self.repairRow(node: node.id.rawValue, repair))
            }
            for view in health?.freshness ?? [] {
                if byView[view.featureView] == nil { order.append(view.featureView) }
                var entry = byView[view.featureView] ?? (nil, nil, 0, nil)
                entry.event = Self.newest(entry.event, view.newestEventTime)
                entry.arrival = Self.newest(entry.arrival, view.newestArrival)
                entry.logged += view.rowsLogged
                entry.backlog = entry.backlog ?? view
                byView[view.featureView] = entry
            }
        }
        let now = WallClock.nowMicros()
        let rows = order.compactMap { name -> [String]? in
            guard let entry = byView[name], entry.event != nil || entry.logged > 0 || (entry.backlog?.logUnsealedRecords ?? 0) > 0 else { return nil }
            let backlog = entry.backlog
            return [
                name, HealthCommand.age(entry.event, now: now), HealthCommand.age(entry.arrival, now: now),
                "\(backlog?.logUnsealedRecords ?? 0) records, \(HealthCommand.bytes(backlog?.logUnsealedBytes ?? 0))",
                HealthCommand.age(backlog?.logOldestUnsealed, now: now), String(entry.logged),
            ]
        }
        if !rows.isEmpty {
            print("")
            print(TablePrinter(headers: ["VIEW", "NEWEST EVENT", "NEWEST ARRIVAL", "LOG UNSEALED", "OLDEST UNSEALED", "ROWS LOGGED"], rows: rows).render())
        }
        if !repairs.isEmpty {
            print("")
            print("repairs (anti-entropy since each node started; fsctl verify compares on demand):")
            print(TablePrinter(headers: ["NODE", "ANTI-ENTROPY", "PASSES", "LAST PASS", "COMPARED", "DIFFERED", "ROWS REPAIRED", "UNVERIFIABLE"], rows: repairs).render())
        }
    }

    /// One node's anti-entropy counters as a row of the repairs table.
    static func repairRow(node: String, _ repair: AntiEntropyStatus) -> [String] {
        let now = WallClock.nowMicros()
        return [
            node, repair.enabled ? "on" : "off", String(repair.passes), HealthCommand.age(repair.lastFullPass, now: now),
            String(repair.partitionsCompared), String(repair.partitionsDiffering), String(repair.rowsRepaired), String(repair.partitionsUnverifiable),
        ]
    }

    private static func newest(_ a: Int64?, _ b: Int64?) -> Int64? {
        switch (a, b) {
        case let (a?, b?): return max(a, b)
        default: return a ?? b
        }
    }
}
