import Foundation
import Skewless
import SkewlessModel
import Testing

/// `fsctl health` end to end: the real binary against a real node on 127.0.0.1.
@Suite(.timeLimit(.minutes(2)))
struct HealthCommandTests {
    static func health(_ arguments: [String], node: TestNode, in directory: URL) async throws -> (status: Int32, output: String, errors: String) {
        let process = try FSCtlProcess(["health", "--node", "127.0.0.1:\(node.port)"] + arguments, in: directory)
        defer { process.stop() }
        let status = try await process.exitStatus()
        return (status, process.output, process.errors)
    }

    /// What a view's values were served with, by status, and its completeness: what `fsctl
    /// check` judges, readable on one node without a repo.
    @Test func theValuesServedByStatusAndTheCompletenessOfEachView() async throws {
        try await CheckCommandTests.withNodeAndDirectory { node, directory in
            try await CheckCommandTests.write(users: 3, ago: 5 * CheckCommandTests.minute, node: node)
            try await CheckCommandTests.read(1...4, node: node)  // user 4 has no row: its default is served

            let table = try await Self.health([], node: node, in: directory)
            #expect(table.status == 0, "\(table.output)\(table.errors)")
            #expect(table.output.contains("VALUES SERVED") && table.output.contains("COMPLETENESS"), "\(table.output)")
            #expect(table.output.contains("4 (PRESENT 3, DEFAULTED 1)") && table.output.contains("0.750"), "\(table.output)")

            let json = try await Self.health(["--json"], node: node, in: directory)
            #expect(json.status == 0, "\(json.output)\(json.errors)")
            let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
            let view = (object?["freshness"] as? [[String: Any]])?.first { $0["feature_view"] as? String == "user_transactions@1" }
            let served = view?["values_served"] as? [String: Any]
            #expect(served?["PRESENT"] as? Int == 3 && served?["DEFAULTED"] as? Int == 1 && served?["NOT_FOUND"] as? Int == 0, "\(json.output)")
            #expect(view?["completeness"] as? Double == 0.75, "\(json.output)")
        }
    }
}
