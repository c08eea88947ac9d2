import Foundation
import Testing
@testable import SkewlessControl

struct NodeRegistrationTests {
    @Test func itsJSONKeysAreSnakeCase() throws {
        let registration = NodeRegistration(address: "10.0.0.5:7421", startedMicros: 1_765_100_000_000_000, version: "0.1.0")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(registration), as: UTF8.self)
        #expect(json == #"{"address":"10.0.0.5:7421","started_micros":1765100000000000,"version":"0.1.0"}"#)
        let decoded = try JSONDecoder().decode(NodeRegistration.self, from: Data(#"{"version":"x","started_micros":5,"address":"h:1","extra":true}"#.utf8))
        #expect(decoded == NodeRegistration(address: "h:1", startedMicros: 5, version: "x"))
    }
}
