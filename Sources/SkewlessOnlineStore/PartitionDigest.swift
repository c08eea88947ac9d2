/// What a node holds of one partition of one view version, in a form two replicas can
/// compare without shipping rows: the row count and the sum (mod 2^64) of the rows' digests
/// (`RowDigest`), whole and per bucket. A sum is order-independent, so the same rows give the
/// same digest whatever order they were written or scanned in; any changed value, time or key
/// changes it (with probability 1 - 2^-64).
package struct PartitionDigest: Sendable, Hashable {
    package var rowCount: UInt64 = 0
    package var digest: UInt64 = 0
    /// `RowDigest.bucketCount` entries: each bucket's rows and digest sum.
    package var bucketRowCounts = [UInt64](repeating: 0, count: RowDigest.bucketCount)
    package var bucketDigests = [UInt64](repeating: 0, count: RowDigest.bucketCount)

    package init() {}

    /// Adds one row with digest `rowDigest` in `bucket`.
    package mutating func add(rowDigest: UInt64, bucket: Int) {
        rowCount += 1
        digest &+= rowDigest
        bucketRowCounts[bucket] += 1
        bucketDigests[bucket] &+= rowDigest
    }

    /// The buckets where `self` and `other` differ, ascending.
    package func differingBuckets(from other: PartitionDigest) -> [Int] {
        (0..<RowDigest.bucketCount).filter {
            bucketRowCounts[$0] != other.bucketRowCounts[$0] || bucketDigests[$0] != other.bucketDigests[$0]
        }
    }
}
