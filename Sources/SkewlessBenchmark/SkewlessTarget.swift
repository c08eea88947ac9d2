import Skewless

/// A Skewless node, or a cluster, through the Swift SDK: each connection is a
/// `FeatureClient` as an inference service would use it, holding one TCP connection per node.
///
/// With one endpoint the client talks to that node (and switches to routing by itself if the
/// node answers that it holds part of a cluster); with several, they are a cluster's seeds
/// and every request goes through the SDK's cluster routing (`Configuration.cluster(seeds:)`).
package struct SkewlessTarget: BenchmarkTarget {
    /// "skewless", or "skewless:SERVICE" for a baseline of the same node under another
    /// feature service (`--baseline service:NAME`).
    package let name: String
    package let endpoints: [Endpoint]
    package let shape: RequestShape
    package let timeout: Duration
    /// TLS and the bearer token of each connection.
    package let security: FeatureClient.Security

    package init(
        endpoints: [Endpoint], shape: RequestShape, timeout: Duration, security: FeatureClient.Security = .none, name: String = "skewless"
    ) throws(SkewlessError) {
        self.name = name
        guard !endpoints.isEmpty else {
            throw SkewlessError(.invalidArgument, "fsbench needs a node to drive: give --node HOST:PORT (or a cluster's seeds, comma-separated)")
        }
        self.endpoints = endpoints
        self.shape = shape
        self.timeout = timeout
        self.security = security
    }

    package func connect() async throws(SkewlessError) -> any TargetConnection {
        let client = try await FeatureClient.connected(to: endpoints, timeout: timeout, security: security)
        return SkewlessConnection(client: client, shape: shape)
    }
}

/// One SDK client; a request is one GetOnlineFeatures call, and every value of its answer
/// read as a typed value (as the Redis baseline parses every field it gets), since the SDK
/// reads values from the received bytes only when asked. Values are counted, not kept:
/// collecting them into an array cost more than reading them, for both targets alike.
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
            let columns = features.featureNames.count
            var read = 0
            for position in 0..<features.count {
                let row = features[position]
                for column in 0..<columns where row.value(at: column) != nil || row.status(at: column) != nil {
                    read += 1
                }
            }
            return read == features.count * columns ? .success : .failure("short answer")
        } catch where error.code == .deadlineExceeded {
            return .timeout
        } catch {
            return .failure("\(error)")
        }
    }

    var taskExecutor: (any TaskExecutor)? { client.taskExecutor }

    func close() async {
        await client.close()
    }
}
