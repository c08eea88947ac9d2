import SkewlessModel
@testable import SkewlessIngest

enum Fixtures {
    static let now: Int64 = 1_763_719_200_000_000

    static let repo: FeatureRepo = {
        do {
            return try FeatureRepo(
                project: "test",
                entities: [
                    Entity(name: "user", joinKeys: [JoinKey(name: "user_id", type: .int64)]),
                    Entity(name: "merchant", joinKeys: [JoinKey(name: "merchant_id", type: .string)]),
                ],
                featureViews: [
                    FeatureView(
                        name: "user_transactions", entities: ["user"],
                        fields: [
                            Field(name: "txn_count_24h", type: .int64, defaultValue: .int64(0)),
                            Field(name: "txn_amount_24h", type: .double),
                            Field(name: "embedding", type: .embedding(dimension: 3)),
                            Field(name: "tags", type: .stringList),
                        ],
                        ttlSeconds: 86_400),
                    FeatureView(
                        name: "user_merchant", entities: ["user", "merchant"],
                        fields: [Field(name: "count", type: .int32)], ttlSeconds: 3_600, stalenessPolicy: .failClosed, owner: "fraud"),
                ],
                featureServices: [
                    FeatureService(name: "fraud", features: [
                        FeatureReference(view: "user_transactions", field: "txn_count_24h"),
                        FeatureReference(view: "user_merchant", field: "count"),
                    ])
                ])
        } catch {
            fatalError("fixture repo: \(error)")
        }
    }()

    static func validator(_ view: String = "user_transactions", refusesCreatedTime: Bool = false) -> RowValidator {
        let view = repo.featureView(named: view)!
        return RowValidator(view: view, joinKeys: repo.joinKeys(of: view), now: now, refusesCreatedTime: refusesCreatedTime)
    }

    static func writes(_ text: String, _ format: InputFormat, view: String = "user_transactions") -> Result<[CheckedRow], InputProblems> {
        WriteRowsReader.writes(from: Array(text.utf8), format: format, file: "data.\(format.rawValue)", validator: validator(view))
    }

    static func report(_ text: String, _ format: InputFormat, view: String = "user_transactions") -> String {
        switch writes(text, format, view: view) {
        case .success(let rows): return "ok: \(rows.count) rows"
        case .failure(let problems): return problems.report()
        }
    }
}
