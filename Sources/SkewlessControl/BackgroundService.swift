import ServiceLifecycle

/// A loop that runs until it is cancelled (`NodeAgent.run`, `Controller.run`), as a service
/// of a `ServiceGroup`: a graceful shutdown cancels it.
package struct BackgroundService: Service {
    private let body: @Sendable () async -> Void

    package init(_ body: @escaping @Sendable () async -> Void) {
        self.body = body
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await body()
        }
    }
}
