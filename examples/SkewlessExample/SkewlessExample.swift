// A runnable example of the Skewless SDK: what an inference service does per request.
//
//   cluster/start-local.sh                      # 3 nodes with sample data on 127.0.0.1:7421-7423
//   swift run SkewlessExample 127.0.0.1:7421 127.0.0.1:7422 127.0.0.1:7423
//   swift run SkewlessExample 127.0.0.1:7421    # one node (NODES=1 cluster/start-local.sh)
import Skewless

@main
enum SkewlessExample {
    static func main() async throws {
        let addresses = CommandLine.arguments.dropFirst().isEmpty ? ["127.0.0.1:7421"] : Array(CommandLine.arguments.dropFirst())
        let endpoints = addresses.compactMap(Endpoint.init)
        guard endpoints.count == addresses.count, let first = endpoints.first else {
            print("usage: SkewlessExample [host:port ...]")
            return
        }
        // Several addresses: seeds of a cluster, whose map routes each key to its owners.
        // One address: a single node (a client also starts routing by itself when that node
        // turns out to belong to a cluster).
        let configure: (inout FeatureClient.Configuration) -> Void = {
            $0.timeout = .milliseconds(50)  // an inference budget: fail fast, fall back
            $0.clientName = "skewless-example"
        }
        let configuration = try endpoints.count > 1
            ? FeatureClient.Configuration.cluster(seeds: endpoints, configure: configure)
            : .defaults(endpoint: first, configure: configure)
        // The client runs for the closure and shuts down gracefully after it (a server runs it
        // as a Service in its ServiceGroup instead).
        try await withFeatureClient(configuration: configuration) { client in
            // Handling requests on the client's event loops saves two thread hops per call.
            await withTaskExecutorPreference(client.taskExecutor) {
                await scoreTwoPayments(client)
            }
        }
    }

    /// Fetches the fraud model's features for two (user, merchant) pairs in one round trip.
    static func scoreTwoPayments(_ client: FeatureClient) async {
        do {
            let features = try await client.getOnlineFeatures(
                service: "fraud_detection_v1",
                entities: [["user_id": 1, "merchant_id": "m-1"], ["user_id": 2, "merchant_id": "m-2"]])
            for row in features.rows {
                // A typed read: nil only when the entity has no value (the status says why);
                // a misspelt feature or one of another type throws instead of reading as nil.
                let count = try row.value("user_transactions:txn_count_24h", as: .int64).map(String.init) ?? "none"
                let status = row.status("user_transactions:txn_count_24h").map { "\($0)" } ?? "?"
                let risk = try row.value("merchant_risk:risk_score", as: .float).map { String($0) }
                    ?? "none (\(row.status("merchant_risk:risk_score").map { "\($0)" } ?? "?"))"
                print("entity \(row.row): txn_count_24h=\(count) [\(status)]  merchant risk_score=\(risk)")
            }
            // A model takes its inputs in the service's order: read them by column position,
            // with no name lookups (nil where the status carries no value).
            let inputs = features.featureNames.indices.map { features[0].value(at: $0) }
            print("entity 0 as model inputs: \(inputs.map { $0.map { "\($0)" } ?? "null" }.joined(separator: ", "))")
        } catch {
            switch error.code {
            case .failedPrecondition:
                print("a fail-closed view is stale; the model must not score: \(error.message)")
            case .unavailable, .deadlineExceeded:
                print("no features within budget (\(error.code)); serve the fallback: \(error.message)")
            default:
                print("request rejected (\(error.code)): \(error.message)")
            }
        }
    }
}
