import SkewlessModel

/// The live segments of one view version at one moment, opened: what historical retrieval
/// and materialization read. Files stay readable while it is held, even if a compaction
/// replaces them meanwhile.
package struct ViewSnapshot: Sendable {
    package let view: FeatureView
    package let schema: SegmentSchema
    package let manifest: Manifest
    /// In ingestion order (the order that breaks exact ties).
    package let segments: [SegmentReader]

    package var rowCount: Int { segments.reduce(0) { $0 + $1.rowCount } }

    /// Every row, segment after segment (for tests and small views).
    package func allRows() throws(SkewlessError) -> [SegmentRows] {
        var all: [SegmentRows] = []
        for segment in segments { all.append(try segment.allRows()) }
        return all
    }
}
