import Testing

@testable import SkewlessServer

@Suite struct AppliedRecordsTests {
    @Test func recordsAreKnownPerViewAndTheOldestAreForgottenPastTheCapacity() {
        let applied = AppliedRecords(capacity: 3)
        for sequence in 1...5 { applied.note(view: "v@1", node: "node-a", sequence: UInt64(sequence)) }
        #expect(!applied.contains(view: "v@1", node: "node-a", sequence: 1))
        #expect(!applied.contains(view: "v@1", node: "node-a", sequence: 2))
        #expect((3...5).allSatisfy { applied.contains(view: "v@1", node: "node-a", sequence: UInt64($0)) })
        #expect(!applied.contains(view: "v@2", node: "node-a", sequence: 5))
        #expect(!applied.contains(view: "v@1", node: "node-b", sequence: 5))
        // Unknown positions (a retry's application) are not noted.
        applied.note(view: "v@1", node: "", sequence: 9)
        applied.note(view: "v@1", node: "node-a", sequence: 0)
        #expect(!applied.contains(view: "v@1", node: "", sequence: 9))
    }
}
