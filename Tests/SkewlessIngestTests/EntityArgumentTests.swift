import SkewlessModel
import Testing
@testable import SkewlessIngest

@Suite struct EntityArgumentTests {
    let types: [String: KeyType] = ["user_id": .int64, "merchant_id": .string]

    @Test func parsesAndTypesByTheRepo() throws {
        let argument = try EntityArgument(parsing: "user_id=1, merchant_id=123")
        #expect(try argument.keys(keyTypes: types) == [
            FetchedEntity.Key(name: "user_id", value: .int64(1)), FetchedEntity.Key(name: "merchant_id", value: .string("123")),
        ])
        #expect(try EntityArgument(parsing: "merchant_id=a=b").keys(keyTypes: types) == [FetchedEntity.Key(name: "merchant_id", value: .string("a=b"))])
    }

    @Test func errors() {
        #expect(throws: InvalidValue.self) { try EntityArgument(parsing: "user_id") }
        #expect(throws: InvalidValue.self) { try EntityArgument(parsing: "=1") }
        #expect(throws: InvalidValue.self) { try EntityArgument(parsing: "user_id=1,user_id=2") }
        do {
            _ = try EntityArgument(parsing: "usr_id=1").keys(keyTypes: types)
            Issue.record("accepted usr_id")
        } catch {
            #expect(error.message.contains("did you mean 'user_id'?"))
        }
        do {
            _ = try EntityArgument(parsing: "user_id=m-1").keys(keyTypes: types)
            Issue.record("accepted m-1")
        } catch {
            #expect(error.message == "join key 'user_id' (int64): 'm-1' is not an int64")
        }
    }

    @Test func entitiesFile() throws {
        let file = "{\"user_id\": 1, \"merchant_id\": \"m-1\"}\n\n{\"user_id\": 2}\n"
        let entities = try EntityArgument.entities(fromJSONLines: Array(file.utf8), file: "e.jsonl", keyTypes: types).get()
        #expect(entities.count == 2)
        #expect(entities[1] == [FetchedEntity.Key(name: "user_id", value: .int64(2))])
        let bad = "{\"user_id\": \"x\"}\n{\"merchant_id\": 5}\n{}\n"
        switch EntityArgument.entities(fromJSONLines: Array(bad.utf8), file: "e.jsonl", keyTypes: types) {
        case .success: Issue.record("accepted")
        case .failure(let problems):
            #expect(problems.report() == """
                e.jsonl: line 1, column 'user_id': 'x' is not an int64
                e.jsonl: line 2, column 'merchant_id': expected a string for a string key, found the number 5; write it in quotes: "5"
                e.jsonl: line 3: no join keys: write e.g. {"user_id": 42}
                """)
        }
    }
}
