import Testing

@testable import SkewlessRepo

@Suite struct RepoErrorTests {
    @Test func descriptionLeavesOutUnknownParts() {
        #expect(RepoError(file: "a.yaml", line: 12, column: 5, message: "bad").description == "a.yaml:12:5: bad")
        #expect(RepoError(file: "a.yaml", line: 12, message: "bad").description == "a.yaml:12: bad")
        #expect(RepoError(file: "repo", message: "bad").description == "repo: bad")
        // A column without a line says nothing useful.
        #expect(RepoError(file: "repo", column: 3, message: "bad").description == "repo: bad")
    }
}
