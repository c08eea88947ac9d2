import Skewless

extension FeatureClient {
    /// A client as fsbench's targets use it: one connection per node, the given deadline, a
    /// single node or a cluster's seeds, checked by asking for the definitions once.
    static func connected(to endpoints: [Endpoint], timeout: Duration, security: FeatureClient.Security = .none) async throws(SkewlessError) -> FeatureClient {
        let configure: (inout FeatureClient.Configuration) -> Void = {
            $0.connectionsPerNode = 1
            $0.timeout = timeout
            $0.security = security
        }
        let client = FeatureClient(configuration: try endpoints.count == 1
            ? .defaults(endpoint: endpoints[0], configure: configure)
            : .cluster(seeds: endpoints, configure: configure))
        do {
            _ = try await client.describe()
        } catch {
            await client.close()
            throw error
        }
        return client
    }
}
