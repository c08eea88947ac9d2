import ArgumentParser
import Skewless
import SkewlessCommandLine

/// The options of commands that talk to a node.
struct NodeOptions: ParsableArguments {
    @Option(help: "The node, host:port.")
    var node: String = "127.0.0.1:7421"

    @Option(name: .customLong("timeout-ms"), help: "The deadline of each call in milliseconds, retries included (default: 1000; put and push: 10000 per batch).")
    var timeoutMilliseconds: Int?

    @OptionGroup var security: SecurityOptions

    func validate() throws {
        guard Endpoint(node) != nil else {
            throw ValidationError("--node '\(node)' is not host:port (e.g. 127.0.0.1:7421)")
        }
        if let timeoutMilliseconds, timeoutMilliseconds <= 0 {
            throw ValidationError("--timeout-ms must be positive")
        }
    }

    /// Runs `body` with a client of the node, closing it afterwards.
    func withClient<T>(defaultTimeoutMilliseconds: Int, _ body: (FeatureClient) async throws -> T) async throws -> T {
        guard let endpoint = Endpoint(node) else {
            throw CommandFailure("--node '\(node)' is not host:port", exitCode: CommandFailure.rejectedInput)
        }
        let timeout = Duration.milliseconds(timeoutMilliseconds ?? defaultTimeoutMilliseconds)
        let security = try self.security.security()
        let client = FeatureClient(configuration: .defaults(endpoint: endpoint) {
            $0.timeout = timeout
            $0.connectionsPerNode = 1
            $0.clientName = "fsctl"
            $0.security = security
        })
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }
}
