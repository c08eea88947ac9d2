import NIOCore
import Testing
@testable import SkewlessModel
@testable import SkewlessWire

@Suite struct OnlineFeaturesFrameBuilderTests {
    /// Builds the frame of `columns` with the builder: fixed-width columns gathered from
    /// their arrays, the others appended whole, in the order `appendOrder` gives.
    static func built(_ columns: [ServedColumn], requestID: UInt64, appendOrder: [Int]) -> [UInt8] {
        var builder = OnlineFeaturesFrameBuilder(columnCount: columns.count, allocator: ByteBufferAllocator())
        let headers = OnlineFeaturesFrameBuilder.ColumnHeaders(names: columns.map(\.name), types: columns.map(\.type))
        for position in appendOrder {
            let column = columns[position]
            let gather: ((UnsafeMutableRawBufferPointer) -> Void)?
            let width: Int
            switch column.values {
            case .bool(let v):
                width = 1
                gather = { out in for (i, x) in v.enumerated() { out.storeBytes(of: x ? 1 : 0, toByteOffset: i, as: UInt8.self) } }
            case .float(let v):
                width = 4
                gather = { out in for (i, x) in v.enumerated() { out.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) } }
            case .double(let v):
                width = 8
                gather = { out in for (i, x) in v.enumerated() { out.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: 8 * i, as: UInt64.self) } }
            default:
                width = 0
                gather = nil
            }
            if let gather {
                headers.withHeaders { headers in
                    OnlineFeaturesFrameBuilder.withPackedEventTimes(column.eventTimes) { times in
                        builder.appendFixedWidthColumn(
                            at: position, header: headers[position], rowCount: column.statuses.count, eventTimes: times, width: width
                        ) { statuses, values in
                            for (i, status) in column.statuses.enumerated() { statuses[i] = status }
                            gather(values)
                        }
                    }
                }
            } else {
                builder.appendColumn(at: position, column)
            }
        }
        var buffer = ByteBuffer()
        builder.writeFrame(requestID: requestID, into: &buffer)
        // The frame as a buffer of its own: the same bytes, in the scratch buffer (the header
        // in the room left before the entries) exactly when the entries were appended in order.
        let frame = builder.frame(requestID: requestID, allocator: ByteBufferAllocator())
        #expect(frame == buffer)
        #expect((frame.readerIndex > 0) == (appendOrder == Array(columns.indices)), "in place only for entries in position order")
        return Array(buffer.readableBytesView)
    }

    @Test(arguments: [UInt64(0), 1, 300, .max])
    func writesTheCodecsFrameWhateverTheAppendOrder(requestID: UInt64) {
        let columns = OnlineFeaturesCodecTests.columns
        var expected = ByteBuffer()
        OnlineFeaturesCodec.writeFrame(requestID: requestID, columns: columns, into: &expected)
        for order in [Array(columns.indices), Array(columns.indices.reversed()), [3, 0, 4, 1, 2] + Array(5..<columns.count)] {
            #expect(Self.built(columns, requestID: requestID, appendOrder: order) == Array(expected.readableBytesView))
        }
        var empty = ByteBuffer()
        OnlineFeaturesCodec.writeFrame(requestID: requestID, columns: [], into: &empty)
        #expect(Self.built([], requestID: requestID, appendOrder: []) == Array(empty.readableBytesView), "no columns")
    }

    /// A one-row answer's fixed-width columns copied from a template, with other columns
    /// between them, are the codec's frame, for a present row (an 8-byte event time) and a
    /// missing one (time 0, 1 byte).
    @Test(arguments: [Int64(1_764_650_000_123_456), 0])
    func oneRowTemplatesWriteTheCodecsFrame(eventTime: Int64) {
        let status: ValueStatus = eventTime == 0 ? .notFound : .present
        let columns = [
            ServedColumn(name: "v@1:a", type: .float, statuses: [status], eventTimes: [eventTime], values: .float([1.5])),
            ServedColumn(name: "v@1:label", type: .string, statuses: [status], eventTimes: [eventTime], values: .string(["x"])),
            ServedColumn(name: "v@1:flag", type: .bool, statuses: [.defaulted], eventTimes: [eventTime], values: .bool([true])),
            ServedColumn(name: "a_longer_view_name@12:ratio", type: .double, statuses: [status], eventTimes: [eventTime], values: .double([-2.25])),
        ]
        var expected = ByteBuffer()
        OnlineFeaturesCodec.writeFrame(requestID: 9, columns: columns, into: &expected)

        let headers = OnlineFeaturesFrameBuilder.ColumnHeaders(names: columns.map(\.name), types: columns.map(\.type))
        let fixed = [0, 2, 3]
        let widths = fixed.map { OnlineFeaturesFrameBuilder.fixedWidth(of: columns[$0].type)! }
        let times = OnlineFeaturesFrameBuilder.withPackedEventTimes([eventTime]) { Array($0) }
        let template = FixedWidthTemplate(headers: headers, positions: fixed, widths: widths, timesBytes: times.count)
        var builder = OnlineFeaturesFrameBuilder(columnCount: columns.count, allocator: ByteBufferAllocator())
        builder.appendColumn(at: 1, columns[1])
        times.withUnsafeBytes { times in
            builder.appendFixedWidthColumns(template, at: fixed, eventTime: times) { i, statuses, value in
                let column = columns[fixed[i]]
                statuses[0] = column.statuses[0]
                switch column.values {
                case .bool(let v): value.storeBytes(of: v[0] ? 1 : 0, as: UInt8.self)
                case .float(let v): value.storeBytes(of: v[0].bitPattern.littleEndian, as: UInt32.self)
                case .double(let v): value.storeBytes(of: v[0].bitPattern.littleEndian, as: UInt64.self)
                default: Issue.record("not a fixed-width column")
                }
            }
        }
        var buffer = ByteBuffer()
        builder.writeFrame(requestID: 9, into: &buffer)
        #expect(Array(buffer.readableBytesView) == Array(expected.readableBytesView))
    }

    @Test func matchesForEmptyAndLargeColumns() {
        let many = (0..<300).map { Float($0) / 3 }
        let cases: [[ServedColumn]] = [
            [],
            [ServedColumn(name: "v@1:f", type: .float, statuses: [], eventTimes: [], values: .float([]))],
            [ServedColumn(name: "", type: .double, statuses: [.notFound], eventTimes: [0], values: .double([0]))],
            [ServedColumn(
                name: "a_view_with_a_rather_long_name@12:and_a_long_field_name", type: .float,
                statuses: many.map { $0 > 50 ? .present : .outsideTTL }, eventTimes: many.map { Int64($0 * 1e9) },
                values: .float(many))],
        ]
        for columns in cases {
            var expected = ByteBuffer()
            OnlineFeaturesCodec.writeFrame(requestID: 77, columns: columns, into: &expected)
            #expect(Self.built(columns, requestID: 77, appendOrder: Array(columns.indices)) == Array(expected.readableBytesView))
        }
    }

    /// A column appended with another width than its header's type (a plan and a store
    /// that disagree) traps before anything is written, in release builds too.
    @Test func aColumnOfAnotherWidthThanItsHeaderTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var builder = OnlineFeaturesFrameBuilder(columnCount: 1, allocator: ByteBufferAllocator())
            let headers = OnlineFeaturesFrameBuilder.ColumnHeaders(names: ["v@1:f"], types: [.float])
            headers.withHeaders { headers in
                OnlineFeaturesFrameBuilder.withPackedEventTimes([1]) { times in
                    builder.appendFixedWidthColumn(at: 0, header: headers[0], rowCount: 1, eventTimes: times, width: 8) { statuses, values in
                        statuses[0] = .present
                        values.storeBytes(of: 0, as: UInt64.self)
                    }
                }
            }
        }
        ProtobufCursorTests.expectMessage("needs the header of a bool (1), float (4) or double (8) feature", in: result)
    }

    /// Headers are read through unchecked pointers: a position past them traps.
    @Test func aHeaderPastTheLastTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let headers = OnlineFeaturesFrameBuilder.ColumnHeaders(names: ["v@1:a", "v@1:b"], types: [.float, .bool])
            headers.withHeaders { headers in
                _ = headers[2]
            }
        }
        ProtobufCursorTests.expectMessage("column 2 of 2 headers", in: result)
    }
}
