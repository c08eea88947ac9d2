import SkewlessModel
import Testing
@testable import SkewlessIngest

@Suite struct FeaturesPrinterTests {
    let entities = [
        FetchedEntity(
            keys: [FetchedEntity.Key(name: "user_id", value: .int64(1)), FetchedEntity.Key(name: "merchant_id", value: .string("m-1"))],
            features: [
                FetchedEntity.Feature(name: "user_transactions@1:txn_count_24h", value: .int64(3), status: .present, eventTime: Fixtures.now - 60_000_000),
                FetchedEntity.Feature(name: "user_merchant@1:count", value: .int32(0), status: .defaulted, eventTime: nil),
                FetchedEntity.Feature(name: "a@1:count", value: nil, status: .notFound, eventTime: nil),
            ]),
        FetchedEntity(
            keys: [FetchedEntity.Key(name: "user_id", value: .int64(22))],
            features: [
                FetchedEntity.Feature(name: "user_transactions@1:txn_count_24h", value: .int64(1), status: .outsideTTL, eventTime: 5),
                FetchedEntity.Feature(name: "user_merchant@1:count", value: nil, status: .nullValue, eventTime: 5),
                FetchedEntity.Feature(name: "a@1:count", value: .float(0.5), status: .present, eventTime: 5),
            ]),
    ]

    @Test func table() {
        #expect(FeaturesPrinter.table(entities).render() == """
            user_id  merchant_id  txn_count_24h    user_merchant:count  a:count
            1        m-1          3                0 (DEFAULTED)        - (NOT_FOUND)
            22                    1 (OUTSIDE_TTL)  - (NULL_VALUE)       0.5
            """)
    }

    @Test func list() {
        #expect(FeaturesPrinter.list([entities[0]], now: Fixtures.now) == """
            user_id=1 merchant_id=m-1
              user_transactions:txn_count_24h  3              event 60s ago
              user_merchant:count              0 (DEFAULTED)
              a:count                          - (NOT_FOUND)
            """)
    }

    @Test func json() {
        #expect(FeaturesPrinter.json([entities[0]]).serialized(indent: nil) == #"[{"entity":{"user_id":1,"merchant_id":"m-1"},"features":{"user_transactions@1:txn_count_24h":{"value":3,"status":"PRESENT","event_time":1763719140000000},"user_merchant@1:count":{"value":0,"status":"DEFAULTED","event_time":null},"a@1:count":{"value":null,"status":"NOT_FOUND","event_time":null}}}]"#)
    }

    @Test func shortNames() {
        #expect(FeaturesPrinter.shortNames(["v@1:a", "v@2:a", "w@1:b"]) == ["v@1:a", "v@2:a", "b"])
    }
}
