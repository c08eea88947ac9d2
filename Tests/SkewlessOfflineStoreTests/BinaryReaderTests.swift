import SkewlessModel
import Testing
@testable import SkewlessOfflineStore

@Suite struct BinaryReaderTests {
    @Test func readsInsideItsRangeAndThrowsPastIt() throws {
        let bytes: [UInt8] = [0xFF, 0x01, 0x02, 0x03, 0x04, 0xFF]
        var reader = BinaryReader(bytes, range: 1..<5, subject: "a test block")
        #expect(try reader.read(UInt16.self, "a short") == 0x0201)
        #expect(throws: SkewlessError.self, "only 2 bytes are left of the range") { try reader.read(UInt32.self, "an int") }
        #expect(try reader.readBytes(2, "the rest") == 3..<5)
        #expect(reader.isAtEnd)
    }

    /// A range past the bytes is a bug of the caller (each takes it from bytes it checked):
    /// it traps at once, in release builds too (an exit test), where the unchecked loads
    /// would otherwise read past the array.
    @Test func aRangePastTheBytesTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = BinaryReader([1, 2, 3], range: 0..<4, subject: "a test block")
        }
    }
}
