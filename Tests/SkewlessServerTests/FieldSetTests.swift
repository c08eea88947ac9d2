import Testing

@testable import SkewlessServer

@Suite struct FieldSetTests {
    @Test func membersSubsetsAndWhatIsMissing() {
        var granted = FieldSet(capacity: 130)
        var read = FieldSet(capacity: 130)
        for member in [0, 63, 64, 129] { granted.insert(member) }
        for member in [0, 64] { read.insert(member) }
        #expect(read.isSubset(of: granted))
        #expect(granted.contains(129) && !granted.contains(128) && !granted.contains(500))
        read.insert(128)
        read.insert(5)
        #expect(!read.isSubset(of: granted))
        #expect(read.subtracting(granted) == [5, 128], "in order")
        #expect(FieldSet(capacity: 0).isSubset(of: FieldSet(capacity: 0)))
    }
}
