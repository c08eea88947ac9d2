import Skewless

/// A Skewless node through the Swift SDK: each connection is a `FeatureClient` holding one
/// TCP connection, as an inference service would use it.
///
/// The cluster target plugs in here: once the SDK routes across nodes, a target built from
/// several endpoints hands each connection a routing client; nothing else in the harness
/// changes. Today the SDK talks to one node, so one endpoint is accepted.
package struct SkewlessTarget: BenchmarkTarget {
    package let name = "skewless"
    package let endpoint: Endpoint
    package let shape: RequestShape
    package let timeout: Duration

    package init(endpoints: [Endpoint], shape: RequestShape, timeout: Duration) throws(SkewlessError) {
        guard endpoints.count == 1, let endpoint = endpoints.first else {
            throw SkewlessError(
                .unimplemented,
                "fsbench drives one node (got \(endpoints.count) endpoints): the SDK does not route across a cluster yet; give one --node")
        }
        self.endpoint = endpoint
        self.shape = shape
        self.timeout = timeout
    }

    package func connect() async throws(SkewlessError) -> any TargetConnection {
        let client = FeatureClient(configuration: .defaults(endpoint: endpoint) {
            $0.connectionsPerNode = 1
            $0.timeout = timeout
        })
        do {
            _ = try await client.health()
        } catch {
            await client.close()
            throw error
        }
        return SkewlessConnection(client: client, shape: shape)
    }
}

/// One SDK client; a request is one GetOnlineFeatures call whose typed result is ready.
struct SkewlessConnection: TargetConnection {
    let client: FeatureClient
    let shape: RequestShape

    func fetch(_ ids: [Int64]) async -> FetchOutcome {
        let key = shape.joinKey
        let entities = ids.map { [key: KeyPart.int64($0)] }
        do {
            let features: OnlineFeatures
            switch shape.selection {
            case .service(let name): features = try await client.getOnlineFeatures(service: name, entities: entities)
            case .features(let list): features = try await client.getOnlineFeatures(features: list, entities: entities)
            }
            guard features.count == ids.count else {
                return .failure("the node answered \(features.count) rows for \(ids.count) entities")
            }
            return .success
        } catch where error.code == .deadlineExceeded {
            return .timeout
        } catch {
            return .failure("\(error)")
        }
    }

    func close() async {
        await client.close()
    }
}
