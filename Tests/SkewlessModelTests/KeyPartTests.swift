import Testing

@testable import SkewlessModel

@Suite struct KeyPartTests {
    @Test func literalsAndStaticMembersBuildTheSamePart() {
        let number: KeyPart = 42
        let text: KeyPart = "m-7"
        #expect(number == .int64(42))
        #expect(text == .string("m-7"))
        #expect(number.storage == .int64(42))
        #expect(KeyPart.int64(1) != .string("1"))
        #expect(Set<KeyPart>([1, "1", 1]).count == 2)
    }

    @Test func gettersTypesAndDescriptions() {
        let number: KeyPart = 42
        let text: KeyPart = "m-7"
        #expect(number.int64Value == 42 && number.stringValue == nil)
        #expect(text.stringValue == "m-7" && text.int64Value == nil)
        #expect(number.type == .int64 && text.type == .string)
        #expect(number.description == "42" && text.description == "m-7")
    }

    @Test func keyTypesKeepTheirRepoSpelling() {
        #expect(KeyType.allCases == [.int64, .string])
        #expect(KeyType.allCases.map(\.rawValue) == ["int64", "string"])
        #expect(KeyType(rawValue: "string") == .string)
        #expect(KeyType(rawValue: "uuid") == nil)
        #expect("\(KeyType.int64)" == "int64")
    }
}
