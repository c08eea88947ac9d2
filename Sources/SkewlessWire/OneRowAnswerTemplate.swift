import SkewlessModel

/// The shape of a one-entity `GetOnlineFeaturesResponse` whose columns are all bool, float
/// or double, written the way the node writes them: what lets the next answer to the same
/// request be checked with one masked comparison instead of being parsed column by column.
///
/// Two answers to one request differ only in each column's status byte, its value bytes
/// and its packed event time. Everything else (tags, names, types, every length) is the
/// same bytes as long as each event time keeps its encoded length (the node writes every
/// time from 1987 to 4253 in 8 bytes, and 0, for no stored row, in 1). The template keeps
/// the answer it was made from with those bytes masked out. An answer of the same length
/// whose other bytes all match has the same structure, so the template's column index is
/// its index; the varying bytes are then checked the way a full decoding checks them
/// (known statuses, one-byte bools, exactly one varint per event-time run, and the same
/// time in columns that shared one). Anything else is decoded in full.
///
/// Made by a full one-row decoding and kept by the `ColumnNames` it was decoded against;
/// immutable, so one template serves any number of concurrent calls.
package final class OneRowAnswerTemplate: Sendable {
    /// Where one column's packed event times lie in the payload.
    struct TimeRun: Sendable {
        var offset: Int
        var count: Int
    }

    /// The answer the template was made from, with the varying bytes set to 0.
    private let fixedBytes: [UInt8]
    /// 0xFF over every fixed byte, 0 over every varying one.
    private let mask: [UInt8]
    let columns: [ReceivedFeatures.Column]
    let names: [String]
    /// Per column, its event-time run.
    private let timeRuns: [TimeRun]
    /// How many distinct event-time runs the columns share out.
    private let eventTimeCount: Int

    init(payload: UnsafeRawBufferPointer, columns: [ReceivedFeatures.Column], timeRuns: [TimeRun], names: [String]) {
        var fixedBytes = [UInt8](payload)
        var mask = [UInt8](repeating: 0xFF, count: payload.count)
        func vary(_ offset: Int, _ count: Int) {
            for index in offset..<offset + count {
                fixedBytes[index] = 0
                mask[index] = 0
            }
        }
        for (column, times) in zip(columns, timeRuns) {
            vary(column.statusOffset, 1)
            vary(column.values, OnlineFeaturesFrameBuilder.fixedWidth(of: column.type) ?? 0)
            vary(times.offset, times.count)
        }
        self.fixedBytes = fixedBytes
        self.mask = mask
        self.columns = columns
        self.timeRuns = timeRuns
        self.names = names
        self.eventTimeCount = (columns.map(\.eventTimeStart).max() ?? -1) + 1
    }

    /// The event times of an answer this template indexes (its `columns`, its `names`), or
    /// nil when `payload` does not have its shape or its varying bytes would not pass a
    /// full decoding (which then decides).
    func eventTimes(of payload: UnsafeRawBufferPointer) -> [Int64]? {
        guard payload.count == fixedBytes.count, matchesFixedBytes(payload) else { return nil }
        var eventTimes: [Int64] = []
        eventTimes.reserveCapacity(eventTimeCount)
        var owner = TimeRun(offset: 0, count: 0)
        for (column, run) in zip(columns, timeRuns) {
            let status = payload[column.statusOffset]
            guard status != 0, status <= 5 else { return nil }
            if case .bool = column.type.storage, payload[column.values] >= 0x80 { return nil }
            let times = UnsafeRawBufferPointer(rebasing: payload[run.offset..<run.offset + run.count])
            if column.eventTimeStart == eventTimes.count {
                var cursor = ByteCursor(times)
                guard let time = cursor.varint(), cursor.isAtEnd else { return nil }
                eventTimes.append(Int64(bitPattern: time))
                owner = run
            } else {
                // A run the full decoding shared with the column before: only while the bytes match.
                let shared = UnsafeRawBufferPointer(rebasing: payload[owner.offset..<owner.offset + owner.count])
                guard column.eventTimeStart == eventTimes.count - 1, ByteRun.same(shared, times) else { return nil }
            }
        }
        return eventTimes
    }

    /// Whether every fixed byte of `payload` is the template's, compared 8 bytes at a time.
    private func matchesFixedBytes(_ payload: UnsafeRawBufferPointer) -> Bool {
        fixedBytes.withUnsafeBytes { fixed in
            mask.withUnsafeBytes { mask in
                let count = payload.count
                var difference: UInt64 = 0
                var offset = 0
                while offset + 8 <= count {
                    let word = payload.loadUnaligned(fromByteOffset: offset, as: UInt64.self) & mask.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    difference |= word ^ fixed.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    offset += 8
                }
                while offset < count {
                    difference |= UInt64((payload[offset] & mask[offset]) ^ fixed[offset])
                    offset += 1
                }
                return difference == 0
            }
        }
    }
}
