import Testing

@testable import SkewlessRepo

@Suite struct NameSuggestionTests {
    @Test func suggestsCloseNames() {
        let keys = ["name", "version", "entities", "ttl", "staleness", "fields"]
        #expect(NameSuggestion.closest(to: "ttll", among: keys) == "ttl")
        #expect(NameSuggestion.closest(to: "feilds", among: keys) == "fields")
        #expect(NameSuggestion.closest(to: "entites", among: keys) == "entities")
        #expect(NameSuggestion.closest(to: "TTL", among: keys) == "ttl")
        #expect(NameSuggestion.closest(to: "flaot", among: ["float", "double"]) == "float")
        #expect(NameSuggestion.closest(to: "owner", among: keys) == nil)
        #expect(NameSuggestion.closest(to: "ttl", among: keys) == nil)
        #expect(NameSuggestion.hint(for: "x", among: keys) == "")
    }

    @Test func editDistance() {
        #expect(NameSuggestion.editDistance("", "abc") == 3)
        #expect(NameSuggestion.editDistance("abc", "abc") == 0)
        #expect(NameSuggestion.editDistance("abc", "acb") == 1)
        #expect(NameSuggestion.editDistance("kitten", "sitting") == 3)
    }
}
