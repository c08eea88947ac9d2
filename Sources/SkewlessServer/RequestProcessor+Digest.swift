import SkewlessCluster
import SkewlessModel
import SkewlessOnlineStore
import SkewlessWire

extension RequestProcessor {
    /// PARTITION_DIGEST: the row count and digest (`RowDigest`, `PartitionDigest`) of every
    /// (view, partition) asked for, from the rows stored now (docs/protocol.md section 17).
    /// Answered off the event loops: a pass reads every row of the partitions.
    ///
    /// - Throws: `FAILED_PRECONDITION` on a standalone node; `NOT_FOUND` for an unknown view;
    ///   `INVALID_ARGUMENT` for a partition outside the map; `WrongShardError` for partitions
    ///   this node does not serve; `UNAVAILABLE` while one is loading (the rules of EXPORT_ROWS:
    ///   what is digested is what is served).
    func partitionDigest(_ request: Skewless_V1_PartitionDigestRequest) throws -> Skewless_V1_PartitionDigestResponse {
        guard let membership, let access = membership.access else {
            throw SkewlessError(.failedPrecondition, "node \(configuration.nodeID) is not part of a cluster: PARTITION_DIGEST compares the replicas of cluster partitions; send the node a cluster map first")
        }
        let views = request.featureView.isEmpty ? repo.featureViews : [try repo.featureView(qualified: request.featureView)]
        let now = clock()
        let partitions: [Int]
        if request.partitions.isEmpty {
            partitions = access.servedPartitions(nowMicros: now)
        } else {
            partitions = Set(request.partitions.map { Int($0) }).sorted()
            try access.checkExport(partitions, nowMicros: now)
        }
        var response = Skewless_V1_PartitionDigestResponse()
        response.epoch = access.epoch
        response.nodeID = configuration.nodeID
        let wanted = Set(partitions)
        for view in views {
            let digests = try store.partitionDigests(view: view, partitioner: access.partitioner, partitions: wanted)
            for partition in partitions {
                let digest = digests[partition] ?? PartitionDigest()
                var entry = Skewless_V1_PartitionDigest()
                entry.featureView = view.qualifiedName
                entry.partition = UInt32(truncatingIfNeeded: partition)
                entry.rowCount = digest.rowCount
                entry.digest = digest.digest
                if request.includeBuckets {
                    entry.bucketRowCounts = digest.bucketRowCounts
                    entry.bucketDigests = digest.bucketDigests
                }
                response.digests.append(entry)
            }
        }
        return response
    }
}
