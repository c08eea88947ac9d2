import NIOCore
import SkewlessModel

/// The encoded entries of one view's fixed-width columns (bool, float, double) for a
/// one-row answer, built once per serving plan, with where each column's status, event
/// time and value go. A one-entity read, the latency-critical case, then copies the
/// template and writes only those bytes (`OnlineFeaturesFrameBuilder.appendFixedWidthColumns`):
/// encoding each column anew (sizes, tags, lengths, its header) was most of a 1 x 50
/// read's work on the node.
///
/// A one-row column's bytes differ from another one-row answer's only in the status, the
/// event time and the value, so the template is exact whenever the packed event time has
/// `timesBytes` bytes: 8 for any time from 1987 to 4253 in microseconds, 1 for the 0 of a
/// missing row. Other answers are encoded column by column.
package struct FixedWidthTemplate: Sendable {
    /// The entries, back to back, with zero statuses, times and values.
    let bytes: [UInt8]
    /// Per column, offsets into `bytes`: where its entry starts and its length, and where
    /// its status byte, event time and value go.
    let entryStarts: [Int]
    let entryLengths: [Int]
    let statusOffsets: [Int]
    let timesOffsets: [Int]
    let valueOffsets: [Int]
    let widths: [Int]
    /// The packed event time's length this template is for.
    package let timesBytes: Int

    /// - Parameters:
    ///   - positions: each column's position in the response (its header in `headers`).
    ///   - widths: each column's bytes per value (1, 4 or 8).
    package init(headers: OnlineFeaturesFrameBuilder.ColumnHeaders, positions: [Int], widths: [Int], timesBytes: Int) {
        precondition(positions.count == widths.count && timesBytes > 0, "a width per position, and an event time")
        var bytes: [UInt8] = []
        var entryStarts: [Int] = [], entryLengths: [Int] = [], statusOffsets: [Int] = [], timesOffsets: [Int] = [], valueOffsets: [Int] = []
        headers.withHeaders { headers in
            for (position, width) in zip(positions, widths) {
                let header = headers[position]
                let sizes = OnlineFeaturesFrameBuilder.fixedWidthSizes(headerBytes: header.bytes.count, rowCount: 1, timesBytes: timesBytes, width: width)
                precondition(header.fixedWidth == width, "a \(width)-byte column needs the header of a bool, float or double feature")
                var entry = [UInt8](repeating: 0, count: sizes.entry)
                // Where the status, the time and the value go, as offsets into the entry: the
                // checked cursor put each inside it.
                let slots = entry.withUnsafeMutableBytes { region in
                    var out = ProtobufCursor(region)
                    let slots = OnlineFeaturesFrameBuilder.writeFixedWidthEntry(
                        into: &out, header: header, columnSize: sizes.column, rowCount: 1, timesBytes: timesBytes, width: width)
                    out.finish(expecting: sizes.entry, "a template column entry")
                    let base = region.baseAddress!
                    return (statuses: slots.statuses.baseAddress! - base, times: slots.times.baseAddress! - base, values: slots.values.baseAddress! - base)
                }
                let start = bytes.count
                bytes += entry
                entryStarts.append(start)
                entryLengths.append(sizes.entry)
                statusOffsets.append(start + slots.statuses)
                timesOffsets.append(start + slots.times)
                valueOffsets.append(start + slots.values)
            }
        }
        (self.bytes, self.entryStarts, self.entryLengths) = (bytes, entryStarts, entryLengths)
        (self.statusOffsets, self.timesOffsets, self.valueOffsets) = (statusOffsets, timesOffsets, valueOffsets)
        self.widths = widths
        self.timesBytes = timesBytes
    }

    var columnCount: Int { widths.count }
}
