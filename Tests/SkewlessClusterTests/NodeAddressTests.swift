import SkewlessModel
import Testing
@testable import SkewlessCluster

@Suite struct NodeAddressTests {
    @Test func parsesHostPortAndBracketedIPv6() throws {
        let v4 = try NodeAddress(parsing: "10.0.0.5:7421")
        #expect(v4.host == "10.0.0.5" && v4.port == 7421)
        #expect(v4.description == "10.0.0.5:7421")
        let name = try NodeAddress(parsing: "fs-node-3.internal:7421")
        #expect(name.host == "fs-node-3.internal")
        let v6 = try NodeAddress(parsing: "[::1]:7421")
        #expect(v6.host == "::1" && v6.port == 7421)
        #expect(v6.description == "[::1]:7421")
    }

    @Test(arguments: ["", "host", "host:", ":7421", "host:0", "host:65536", "host:port", "::1:7421", "[::1]", "a b:1"])
    func refusesMalformedAddresses(_ text: String) {
        #expect(throws: SkewlessError.self) { try NodeAddress(parsing: text) }
    }

    @Test func nodeIDsAreCheckedAndSortByBytes() throws {
        for bad in ["", "has space", "slash/no", String(repeating: "x", count: 65), "é"] {
            #expect(throws: SkewlessError.self) { try NodeID(bad) }
        }
        let ids = try ["node-10", "node-2", "Node-1"].map(NodeID.init)
        #expect(ids.sorted().map(\.rawValue) == ["Node-1", "node-10", "node-2"])
    }
}
