import Testing

@testable import SkewlessModel

@Suite struct ValueStatusTests {
    @Test func everyStatusInTheProtocolsOrderWithItsNames() {
        #expect(ValueStatus.allCases == [.present, .notFound, .nullValue, .outsideTTL, .defaulted])
        #expect(ValueStatus.allCases.map(\.name) == ["PRESENT", "NOT_FOUND", "NULL_VALUE", "OUTSIDE_TTL", "DEFAULTED"])
        // Printed as when it was an enum, so logs and messages read the same.
        #expect(ValueStatus.allCases.map(\.description) == ["present", "notFound", "nullValue", "outsideTTL", "defaulted"])
        #expect(Set(ValueStatus.allCases).count == 5)
    }

    @Test func onlyPresentStaleAndDefaultedCarryAValue() {
        #expect(ValueStatus.allCases.filter(\.hasValue) == [.present, .outsideTTL, .defaulted])
        #expect(ValueStatus.outsideTTL.storage == .outsideTTL)
    }
}
