/// What a finished segment holds, as the manifest lists it.
package struct SegmentSummary: Sendable, Hashable {
    /// The segment's number; its file name comes from `StoreLayout`.
    package var number: UInt64
    package var rowCount: UInt64
    package var minEventTime: Int64
    package var maxEventTime: Int64
    package var maxCreatedTime: Int64
    package var fileSize: UInt64

    package init(number: UInt64, rowCount: UInt64, minEventTime: Int64, maxEventTime: Int64, maxCreatedTime: Int64, fileSize: UInt64) {
        self.number = number
        self.rowCount = rowCount
        self.minEventTime = minEventTime
        self.maxEventTime = maxEventTime
        self.maxCreatedTime = maxCreatedTime
        self.fileSize = fileSize
    }
}
