import Testing
@testable import SkewlessIngest

@Suite struct RepoPrinterTests {
    @Test func repoSummaryAndDescription() throws {
        #expect(RepoPrinter.summary(Fixtures.repo) == """
            project test
              2 entities: user, merchant
              2 feature views, 2 versions: user_merchant@1, user_transactions@1
              1 feature service: fraud
            """)
        let selection = try #require(RepoPrinter.select("user_merchant", in: Fixtures.repo))
        #expect(RepoPrinter.text(selection, repo: Fixtures.repo) == """
            feature views
              user_merchant@1
                entities  user, merchant (key: user_id int64, merchant_id string)
                ttl       1h; fail_closed: a request touching a stale row fails
                owner     fraud
                fields
                  count  int32
            """)
        #expect(RepoPrinter.select("nope", in: Fixtures.repo) == nil)
        let json = RepoPrinter.json(try #require(RepoPrinter.select(nil, in: Fixtures.repo)), repo: Fixtures.repo)
        #expect(try JSONParser.parse(json.serialized()) == json)
    }
}
