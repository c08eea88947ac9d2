import SkewlessCluster
import SkewlessModel
import SkewlessOfflineStore
import SkewlessOnlineStore

extension NodeServer {
    /// What a scrape of the node's metrics shows, read now: each part a copy taken under its
    /// own lock (the freshness tracker's, each view table's read lock for its row count and
    /// footprint, the log backlog the sealer last counted, the reconciler's partitions), none
    /// held for longer than that copy. Called on NIO's thread pool, never on an event loop.
    func metricsSnapshot() -> NodeMetrics.Snapshot {
        let now = WallClock.nowMicros()
        let processor = self.processor
        let views = repo.featureViews.map { view -> NodeMetrics.Snapshot.View in
            let times = processor.freshness.times(of: view)
            let backlog = processor.logs?.backlog(of: view)
            return NodeMetrics.Snapshot.View(
                name: view.qualifiedName,
                entities: store.entityRowCount(view: view),
                memoryBytes: store.memoryFootprint(view: view),
                newestEventTime: times.newestEventTime,
                newestArrival: times.newestArrival,
                reads: processor.reads.snapshot(of: view),
                writes: processor.writes.counts.snapshot(of: view),
                unsealedRecords: backlog.map { $0.records },
                unsealedBytes: backlog?.bytes,
                oldestUnsealed: backlog?.oldestAccepted)
        }
        var snapshot = NodeMetrics.Snapshot(
            nowMicros: now, views: views, openConnections: processor.connections.current, epoch: 0,
            partitionsHeld: 0, partitionsLoading: 0, partitionsUnderReplicated: 0, servedLog: servedLog?.snapshot)
        if let map = membership.map {
            let status = membership.status
            snapshot.epoch = map.epoch
            snapshot.partitionsHeld = status.loadedPartitions.count
            snapshot.partitionsLoading = membership.loadingPartitions.count
            snapshot.partitionsUnderReplicated = map.underReplicatedPartitions(live: map.nodesNotDown).count
        }
        return snapshot
    }
}
