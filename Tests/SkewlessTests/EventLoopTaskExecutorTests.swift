import NIOCore
import NIOPosix
import Testing
@testable import Skewless

@Suite(.timeLimit(.minutes(1)))
struct EventLoopTaskExecutorTests {
    /// Whether the current thread is one of `group`'s event loops.
    private static func onLoop(of group: MultiThreadedEventLoopGroup) -> Bool {
        guard let current = MultiThreadedEventLoopGroup.currentEventLoop else { return false }
        return group.makeIterator().contains { $0 === current }
    }

    @Test func aTaskPreferringItRunsOnTheGroupsLoopsAndStaysOnItsLoopAcrossAwaits() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let executor = EventLoopTaskExecutor(group: group)
        let (everyStepOnALoop, sameLoop) = await withTaskExecutorPreference(executor) {
            let first = MultiThreadedEventLoopGroup.currentEventLoop
            var onLoop = Self.onLoop(of: group)
            var same = true
            for _ in 0..<50 {
                await Task.yield()
                onLoop = onLoop && Self.onLoop(of: group)
                same = same && MultiThreadedEventLoopGroup.currentEventLoop === first
            }
            return (onLoop, same)
        }
        #expect(everyStepOnALoop)
        #expect(sameLoop, "a job enqueued from a loop thread should run on that loop")
        try await group.shutdownGracefully()
    }

    @Test func childTasksAndActorsWorkUnderThePreference() async throws {
        actor Tally {
            var count = 0
            func add() { count += 1 }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let tally = Tally()
        let childrenOnLoops = await withTaskExecutorPreference(EventLoopTaskExecutor(group: group)) {
            await withTaskGroup(of: Bool.self) { children in
                for _ in 0..<200 {
                    children.addTask {
                        await tally.add()
                        return Self.onLoop(of: group)
                    }
                }
                return await children.reduce(true) { $0 && $1 }
            }
        }
        #expect(childrenOnLoops, "child tasks inherit the preference")
        #expect(await tally.count == 200, "actor isolation still holds")
        try await group.shutdownGracefully()
    }

    @Test func callsUnderTheClientsExecutorUseTheConnectionOnTheirLoopAndStillTimeOut() async throws {
        let node = try await SilentNode()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let endpoint = Endpoint(host: "127.0.0.1", port: node.port)
        let pool = ConnectionPool(endpoint: endpoint, size: 2, group: group, setup: ConnectionSetup(connectTimeout: .seconds(2), clientName: "test", security: .none))
        // Open both slots (round-robin from here); the group places them on its two loops.
        let opened = [try await pool.connection(), try await pool.connection()]
        #expect(opened[0] !== opened[1])
        let everyChoiceLocal = try await withTaskExecutorPreference(EventLoopTaskExecutor(group: group)) {
            var local = true
            for _ in 0..<20 {
                let connection = try await pool.connection()
                local = local && connection.channel.eventLoop.inEventLoop
                await Task.yield()
            }
            return local
        }
        #expect(everyChoiceLocal, "a call on a connection's loop should take that connection")
        await pool.close()

        let client = FeatureClient(
            configuration: .defaults(endpoint: endpoint) { $0.timeout = .milliseconds(100) }, eventLoopGroup: group)
        let (error, resumedOnLoop) = await withTaskExecutorPreference(client.taskExecutor) {
            let error = await #expect(throws: SkewlessError.self) { try await client.health() }
            return (error, Self.onLoop(of: group))
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(resumedOnLoop)
        await client.close()
        await node.close()
        try await group.shutdownGracefully()
    }
}
