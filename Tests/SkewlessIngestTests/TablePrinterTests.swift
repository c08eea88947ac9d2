import Testing
@testable import SkewlessIngest

@Suite struct TablePrinterTests {
    @Test func tableAlignment() {
        let table = TablePrinter(headers: ["a", "long header"], rows: [["wide cell", "x"], ["", ""]], indent: 1)
        #expect(table.render() == " a          long header\n wide cell  x\n")
        #expect(table.width == 1 + 9 + 2 + 11)
    }
}
