import SkewlessModel

/// The rows of one view version at one moment: its live segments, opened, and the records
/// of its write logs not sealed yet (as one or two temporary segments after them). What
/// historical retrieval and materialization read. Files stay readable while it is held,
/// even if a compaction or a sealer replaces them meanwhile.
package struct ViewSnapshot: Sendable {
    package let view: FeatureView
    package let schema: SegmentSchema
    package let manifest: Manifest
    /// The manifest's segments in ingestion order (the order that breaks exact ties), then
    /// the write log's unsealed rows, which arrived after all of them.
    package let segments: [SegmentReader]
    /// For each of `segments`: whether it arrived after the mark the snapshot was taken
    /// against (`OfflineStore.snapshot(of:joinKeys:since:)`); all true without a mark.
    package let arrivedSince: [Bool]
    /// Where the store's arrival order stood: give it as `since` to a later snapshot to learn
    /// what arrived in between.
    package let arrival: ArrivalMark
    /// The unsealed write log records read.
    package let tail: LogTailSummary

    package var rowCount: Int { segments.reduce(0) { $0 + $1.rowCount } }

    /// Every row, segment after segment (for tests and small views).
    package func allRows() throws(SkewlessError) -> [SegmentRows] {
        var all: [SegmentRows] = []
        for segment in segments { all.append(try segment.allRows()) }
        return all
    }
}

/// A point in a view's order of arrival: the segments numbered below `nextSegmentNumber` and
/// each node's log records up to its sequence number had arrived. Incremental materialization
/// keeps one per view, so it loads whatever arrived since, whatever its event or created time.
package struct ArrivalMark: Sendable, Hashable {
    package var nextSegmentNumber: UInt64
    package var logSequences: [String: UInt64]

    package init(nextSegmentNumber: UInt64, logSequences: [String: UInt64]) {
        self.nextSegmentNumber = nextSegmentNumber
        self.logSequences = logSequences
    }
}

/// What a snapshot read of the write logs.
package struct LogTailSummary: Sendable, Hashable {
    package var records = 0
    package var rows = 0
    package var bytes: UInt64 = 0
    package var duplicates = 0

    package init() {}

    init(_ tail: LogTail) {
        records = tail.records
        rows = tail.rowCount
        bytes = tail.bytes
        duplicates = tail.duplicates
    }
}
