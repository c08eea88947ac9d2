import Testing
@testable import SkewlessWire

/// The cursor writes exactly into its region, and a size computation that comes out wrong
/// traps (an exit test: the write runs in a child process that must die) instead of writing
/// past the region. The checks are `precondition`s, so they hold in release builds too (the
/// README's "Test it" says how to run these against optimized code, where an `assert` would
/// be compiled out). Debug builds print the message, which the tests then check.
@Suite struct ProtobufCursorTests {
    @Test func fillsItsRegionExactlyAndLeavesWhatFollows() {
        var bytes = [UInt8](repeating: 0xEE, count: 10)
        bytes.withUnsafeMutableBytes { memory in
            var out = ProtobufCursor(UnsafeMutableRawBufferPointer(rebasing: memory[0..<9]))
            out.lengthDelimited(ProtobufField.FeatureColumn.feature, length: 1)
            out.string("a")
            out.varint(300)
            let slot = out.reserve(4)
            slot.storeBytes(of: 0x0102_0304, as: UInt32.self)
            #expect(out.remaining == 0)
            out.finish(expecting: 9, "the test's bytes")
        }
        #expect(bytes == [0x0A, 1, 0x61, 0xAC, 0x02, 4, 3, 2, 1, 0xEE])
    }

    @Test func aStringLongerThanItsRoomTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var bytes = [UInt8](repeating: 0, count: 8)
            bytes.withUnsafeMutableBytes { memory in
                // Room for 3 bytes, as a size computation that forgot one would give.
                var out = ProtobufCursor(UnsafeMutableRawBufferPointer(rebasing: memory[0..<3]))
                out.string("four")
            }
        }
        Self.expectMessage("protobuf cursor overrun", in: result)
    }

    @Test func aVarintLongerThanItsRoomTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var bytes = [UInt8](repeating: 0, count: 8)
            bytes.withUnsafeMutableBytes { memory in
                var out = ProtobufCursor(UnsafeMutableRawBufferPointer(rebasing: memory[0..<1]))
                out.varint(300)  // two bytes
            }
        }
        Self.expectMessage("protobuf cursor overrun", in: result)
    }

    @Test func aReservationPastTheRegionTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var bytes = [UInt8](repeating: 0, count: 16)
            bytes.withUnsafeMutableBytes { memory in
                var out = ProtobufCursor(UnsafeMutableRawBufferPointer(rebasing: memory[0..<8]))
                out.byte(1)
                _ = out.reserve(8)
            }
        }
        Self.expectMessage("protobuf cursor overrun", in: result)
    }

    @Test func writingLessThanComputedTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var bytes = [UInt8](repeating: 0, count: 8)
            bytes.withUnsafeMutableBytes { memory in
                var out = ProtobufCursor(memory)
                out.varint(1)
                // The lengths written before these bytes said 8: a frame that would lie to its reader.
                out.finish(expecting: 8, "a test frame")
            }
        }
        Self.expectMessage("a test frame computed as 8 bytes but 1 written", in: result)
    }

    @Test func aFieldNumberNeedingATwoByteTagTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var bytes = [UInt8](repeating: 0, count: 8)
            bytes.withUnsafeMutableBytes { memory in
                var out = ProtobufCursor(memory)
                out.lengthDelimited(16, length: 0)
            }
        }
        Self.expectMessage("two-byte tag", in: result)
    }

    /// In debug builds, that the child died of the expected precondition (release builds
    /// trap without a message).
    static func expectMessage(_ message: String, in result: ExitTest.Result?, sourceLocation: SourceLocation = #_sourceLocation) {
        #if DEBUG
        let standardError = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(standardError.contains(message), "the child's standard error: \(standardError)", sourceLocation: sourceLocation)
        #endif
    }
}
