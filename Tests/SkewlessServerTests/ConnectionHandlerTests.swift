import Foundation
import Logging
import NIOCore
import NIOEmbedded
import SkewlessModel
import SkewlessOnlineStore
import SkewlessWire
import SwiftProtobuf
import Testing

@testable import SkewlessServer

/// The connection handler on an `EmbeddedChannel`, with the sample repo's request
/// processor: the event loop's clock is advanced by hand, and a `StalledSocket` in front of
/// the handler stands for a socket whose send buffer is full.
@Suite struct ConnectionHandlerTests {
    /// One processor (one node) and the connections made to it.
    final class Node {
        let processor: RequestProcessor
        private var connections: [Connection] = []

        init(configure: (inout NodeConfiguration) -> Void = { _ in }) throws {
            var configuration = NodeConfiguration.defaults
            configure(&configuration)
            let repo = try TestNode.sampleRepo()
            let store = OnlineStore(views: repo.featureViews.map { (view: $0, joinKeys: repo.joinKeys(of: $0)) })
            processor = RequestProcessor(
                repo: repo, store: store, configuration: configuration,
                connections: ConnectionCounter(limit: configuration.maxConnections))
        }

        /// Runs `body` with a node, then closes its connections and stops its threads.
        static func with(configure: (inout NodeConfiguration) -> Void = { _ in }, _ body: (Node) throws -> Void) throws {
            let node = try Node(configure: configure)
            defer {
                for connection in node.connections {
                    _ = try? connection.channel.finish(acceptAlreadyClosed: true)
                }
                try? node.processor.longRunning.syncShutdownGracefully()
            }
            try body(node)
        }

        /// A new connection, active (and so counted against the node's limit).
        func connect() throws -> Connection {
            let connection = try Connection(processor: processor)
            connections.append(connection)
            return connection
        }
    }

    final class Connection {
        let channel: EmbeddedChannel
        let socket = StalledSocket()

        init(processor: RequestProcessor) throws {
            let logger = Logger(label: "skewless.test-connection") { _ in SwiftLogNoOpLogHandler() }
            channel = EmbeddedChannel(handlers: [socket, ConnectionHandler(processor: processor, logger: logger)])
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7421)).wait()
        }

        var loop: EmbeddedEventLoop { channel.embeddedEventLoop }

        /// Delivers `bytes` as one socket read (then the end of the read pass).
        func receive(_ bytes: ByteBuffer) throws {
            try channel.writeInbound(bytes)
        }

        /// Delivers `bytes` as one socket read of a read pass that goes on.
        func receiveWithinPass(_ bytes: ByteBuffer) {
            channel.pipeline.syncOperations.fireChannelRead(NIOAny(bytes))
        }

        func endReadPass() {
            channel.pipeline.syncOperations.fireChannelReadComplete()
        }

        func handshake() throws {
            var hello = Skewless_V1_HandshakeRequest()
            hello.protocolVersion = ProtocolVersion.current
            try receive(Self.frame(.handshake, hello.serializedBytes(), id: 1))
            let answers = try responses()
            try #require(answers.map(\.status.code) == [.ok])
        }

        /// The response frames the socket has taken since last asked (settling writes,
        /// which are empty, left out).
        func responses() throws -> [Skewless_V1_ResponseFrame] {
            var frames: [Skewless_V1_ResponseFrame] = []
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
                while buffer.readableBytes > 0 {
                    guard let length = buffer.readInteger(as: UInt32.self), let body = buffer.readSlice(length: Int(length)) else {
                        throw SkewlessError(.dataLoss, "a response frame cut short in \(buffer.readableBytes) bytes")
                    }
                    frames.append(try Skewless_V1_ResponseFrame(serializedBytes: Array(body.readableBytesView)))
                }
            }
            return frames
        }

        static func frame(_ method: Skewless_V1_Method, _ payload: Data = Data(), id: UInt64, timeoutMicros: UInt64 = 0) throws -> ByteBuffer {
            var request = Skewless_V1_RequestFrame()
            request.requestID = id
            request.method = method
            request.payload = payload
            request.timeoutMicros = timeoutMicros
            var buffer = ByteBuffer()
            try FrameEncoder.write(request, into: &buffer)
            return buffer
        }

        static func health(id: UInt64, timeoutMicros: UInt64 = 0) throws -> ByteBuffer {
            try frame(.health, Skewless_V1_HealthRequest().serializedBytes(), id: id, timeoutMicros: timeoutMicros)
        }

        /// A frame whose body is not a RequestFrame (a field number 0).
        static let garbage = ByteBuffer(bytes: [0, 0, 0, 3, 0xFF, 0xFF, 0xFF])

        /// A GetOnlineFeatures request whose payload is not a GetOnlineFeaturesRequest.
        static func undecodablePayload(id: UInt64) throws -> ByteBuffer {
            try frame(.getOnlineFeatures, Data([0x0A, 0xFF]), id: id)
        }

        static func joined(_ buffers: ByteBuffer...) -> ByteBuffer {
            var all = ByteBuffer()
            for var buffer in buffers { all.writeBuffer(&buffer) }
            return all
        }
    }

    /// Stands for a socket whose send buffer is full (a client that does not read): while
    /// `isTaking` is false, writes and their promises wait here. Counts the read requests
    /// that reach the socket.
    final class StalledSocket: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        var isTaking = true
        private(set) var reads = 0
        private var held: [(data: NIOAny, promise: EventLoopPromise<Void>?)] = []
        private var context: ChannelHandlerContext?

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            self.context = nil
        }

        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if isTaking {
                context.write(data, promise: promise)
            } else {
                held.append((data, promise))
            }
        }

        func flush(context: ChannelHandlerContext) {
            if isTaking { context.flush() }
        }

        /// The client reads: everything held is written, and writes go through from now on.
        func takeEverything() {
            isTaking = true
            guard let context else { return }
            let writes = held
            held = []
            for write in writes {
                context.write(write.data, promise: write.promise)
            }
            context.flush()
        }
    }

    // MARK: - Handshake

    @Test func theFirstRequestMustBeAHandshake() throws {
        try Node.with { node in
            let connection = try node.connect()
            #expect(node.processor.connections.current == 1)
            try connection.receive(Connection.joined(try Connection.health(id: 5), try Connection.health(id: 6)))
            let answers = try connection.responses()
            #expect(answers.map(\.requestID) == [5], "refused, and the request behind it is not answered")
            #expect(answers.first?.status.code == .failedPrecondition)
            #expect(!connection.channel.isActive)
            #expect(node.processor.connections.current == 0, "the slot is given back")
        }
    }

    @Test func afterTheHandshakeRequestsAreAnswered() throws {
        try Node.with { node in
            let connection = try node.connect()
            try connection.handshake()
            try connection.receive(Connection.health(id: 2))
            let answers = try connection.responses()
            #expect(answers.map(\.requestID) == [2])
            #expect(answers.first?.status.code == .ok)
        }
    }

    @Test func aConnectionOverTheNodesLimitIsToldWhyAndClosed() throws {
        try Node.with(configure: { $0.maxConnections = 1 }) { node in
            let first = try node.connect()
            let second = try node.connect()
            let refusal = try second.responses()
            #expect(refusal.map(\.requestID) == [0])
            #expect(refusal.first?.status.code == .resourceExhausted)
            #expect(!second.channel.isActive)
            #expect(first.channel.isActive)
            #expect(node.processor.connections.current == 1)
        }
    }

    // MARK: - Back-pressure

    @Test func readsAreHeldAtTheInFlightLimitAndResumeWhenWritesSettle() throws {
        try Node.with(configure: { $0.maxInFlightPerConnection = 3 }) { node in
            let connection = try node.connect()
            try connection.handshake()  // its answer counts until it is known to be written
            connection.socket.isTaking = false
            try connection.receive(Connection.joined(try Connection.health(id: 2), try Connection.health(id: 3)))
            #expect(try connection.responses().isEmpty, "the socket has not taken them")
            let reads = connection.socket.reads
            connection.channel.read()
            #expect(connection.socket.reads == reads, "at the limit of 3: reading is held")
            connection.channel.read()
            #expect(connection.socket.reads == reads)
            connection.socket.takeEverything()
            #expect(connection.socket.reads == reads + 1, "written: reading resumes")
            #expect(try connection.responses().map(\.requestID) == [2, 3])
            connection.channel.read()
            #expect(connection.socket.reads == reads + 2)
        }
    }

    @Test func belowTheLimitReadsPassAtOnce() throws {
        try Node.with(configure: { $0.maxInFlightPerConnection = 3 }) { node in
            let connection = try node.connect()
            try connection.handshake()
            connection.socket.isTaking = false
            try connection.receive(Connection.health(id: 2))
            let reads = connection.socket.reads
            connection.channel.read()
            #expect(connection.socket.reads == reads + 1)
        }
    }

    // MARK: - Drain

    @Test func aDrainAnswersWhatIsPendingAndClosesOnlyAfterTheQuietPeriod() throws {
        try Node.with { node in
            let connection = try node.connect()
            try connection.handshake()
            connection.socket.isTaking = false
            try connection.receive(Connection.joined(try Connection.health(id: 2), try Connection.health(id: 3)))
            connection.channel.pipeline.syncOperations.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            connection.loop.advanceTime(by: .milliseconds(100))
            #expect(connection.channel.isActive, "two answers are not written yet")
            connection.socket.takeEverything()
            #expect(try connection.responses().map(\.requestID) == [2, 3])
            connection.loop.advanceTime(by: .milliseconds(19))
            #expect(connection.channel.isActive, "quiet for 19 ms only")
            // A request arrives within the quiet period: answered, and the wait starts again.
            try connection.receive(Connection.health(id: 4))
            #expect(try connection.responses().map(\.requestID) == [4])
            connection.loop.advanceTime(by: .milliseconds(19))
            #expect(connection.channel.isActive)
            connection.loop.advanceTime(by: .milliseconds(1))
            #expect(!connection.channel.isActive, "quiet for 20 ms with nothing in flight")
            #expect(node.processor.connections.current == 0)
        }
    }

    // MARK: - Idleness

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() throws {
        try Node.with(configure: { $0.idleTimeoutSeconds = 300 }) { node in
            let connection = try node.connect()
            try connection.handshake()
            connection.loop.advanceTime(by: .seconds(299))
            #expect(connection.channel.isActive)
            connection.loop.advanceTime(by: .seconds(1))
            #expect(!connection.channel.isActive)
            #expect(try connection.responses().isEmpty, "closed without a message")
            #expect(node.processor.connections.current == 0)
        }
    }

    @Test func aConnectionThatKeepsSendingIsNotIdle() throws {
        try Node.with(configure: { $0.idleTimeoutSeconds = 300 }) { node in
            let connection = try node.connect()
            try connection.handshake()
            for second in stride(from: 200, through: 1_000, by: 200) {
                connection.loop.advanceTime(by: .seconds(200))
                try connection.receive(Connection.health(id: UInt64(second)))
                #expect(connection.channel.isActive, "at \(second) s")
            }
            #expect(try connection.responses().count == 5)
            connection.loop.advanceTime(by: .seconds(299))
            #expect(connection.channel.isActive)
            connection.loop.advanceTime(by: .seconds(1))
            #expect(!connection.channel.isActive, "300 s after the last bytes")
        }
    }

    // MARK: - Error budget

    @Test func invalidRequestsShortOfTheBudgetThenAValidOneKeepTheConnection() throws {
        try Node.with(configure: { $0.maxInvalidRequestsPerConnection = 3 }) { node in
            let connection = try node.connect()
            try connection.handshake()
            for round in 0..<3 {
                try connection.receive(Connection.garbage)
                try connection.receive(Connection.undecodablePayload(id: UInt64(round * 10 + 1)))
                try connection.receive(Connection.health(id: UInt64(round * 10 + 2)))
                let answers = try connection.responses()
                #expect(answers.map(\.status.code) == [.invalidArgument, .invalidArgument, .ok], "round \(round)")
                #expect(connection.channel.isActive)
            }
        }
    }

    @Test func theBudgetOfInvalidRequestsClosesThatConnectionOnly() throws {
        try Node.with(configure: { $0.maxInvalidRequestsPerConnection = 3 }) { node in
            let hostile = try node.connect()
            let other = try node.connect()
            try hostile.handshake()
            try other.handshake()
            try other.receive(Connection.garbage)
            try hostile.receive(Connection.joined(
                Connection.garbage,
                try Connection.frame(.UNRECOGNIZED(99), id: 2),
                try Connection.undecodablePayload(id: 3),
                try Connection.health(id: 4)))
            let answers = try hostile.responses()
            #expect(answers.map(\.requestID) == [0, 2, 3, 0], "the third is answered, then why; request 4 is not")
            #expect(answers.map(\.status.code) == [.invalidArgument, .unimplemented, .invalidArgument, .resourceExhausted])
            #expect(answers.last?.status.message.contains("3 requests in a row") == true)
            #expect(!hostile.channel.isActive)

            #expect(try other.responses().map(\.status.code) == [.invalidArgument])
            try other.receive(Connection.health(id: 9))
            #expect(try other.responses().map(\.status.code) == [.ok])
            #expect(other.channel.isActive)
            #expect(node.processor.connections.current == 1)
        }
    }

    // MARK: - Fair turns and slowing down

    @Test func requestsBeyondTheTurnBudgetWaitForTheConnectionsNextTurnWithReadingHeld() throws {
        try Node.with { node in
            let connection = try node.connect()
            try connection.handshake()
            connection.receiveWithinPass(try Connection.health(id: 2))
            connection.loop.advanceTime(by: .milliseconds(1))  // the turn's 200 µs are spent
            connection.receiveWithinPass(Connection.joined(try Connection.health(id: 3), try Connection.health(id: 4)))
            connection.receiveWithinPass(try Connection.health(id: 5))  // read behind the waiting frames
            let readsBefore = connection.socket.reads
            connection.endReadPass()
            connection.channel.read()  // as the pipeline asks after a read pass
            #expect(try connection.responses().map(\.requestID) == [2], "the rest waits for the loop's next turn")
            #expect(connection.socket.reads == readsBefore, "and the socket is not read meanwhile")
            connection.loop.run()
            #expect(try connection.responses().map(\.requestID) == [3, 4, 5], "in order")
            #expect(connection.socket.reads == readsBefore + 1, "reading resumes")
        }
    }

    @Test func aConnectionSendingOnlyGarbageIsSlowedDownThenClosed() throws {
        try Node.with(configure: { $0.maxInvalidRequestsPerConnection = 7 }) { node in
            let connection = try node.connect()
            try connection.handshake()
            try connection.receive(Connection.joined(
                Connection.garbage, Connection.garbage, Connection.garbage, Connection.garbage, Connection.garbage, Connection.garbage,
                Connection.garbage))
            #expect(try connection.responses().count == 4, "four invalid answers, then each next waits")
            connection.loop.advanceTime(by: .microseconds(999))
            #expect(try connection.responses().isEmpty)
            connection.loop.advanceTime(by: .microseconds(1))
            #expect(try connection.responses().count == 1, "the fifth after 1 ms")
            connection.loop.advanceTime(by: .milliseconds(2))
            #expect(try connection.responses().count == 1, "the sixth after 2 ms more")
            connection.loop.advanceTime(by: .milliseconds(4))
            let last = try connection.responses()
            #expect(last.map(\.requestID) == [0, 0] && last.last?.status.code == .resourceExhausted, "the seventh, then the budget's close")
            #expect(!connection.channel.isActive)
        }
    }

    @Test func aValidRequestEndsTheSlowdown() throws {
        try Node.with { node in
            let connection = try node.connect()
            try connection.handshake()
            try connection.receive(Connection.joined(
                Connection.garbage, Connection.garbage, Connection.garbage, Connection.garbage, try Connection.health(id: 7), try Connection.health(id: 8)))
            #expect(try connection.responses().count == 4)
            connection.loop.advanceTime(by: .milliseconds(1))
            #expect(try connection.responses().map(\.requestID) == [7, 8], "the request that waited resets the count: the next does not wait")
        }
    }

    // MARK: - Deadlines

    @Test func aRequestQueuedPastItsDeadlineIsAnsweredDeadlineExceeded() throws {
        try Node.with { node in
            let connection = try node.connect()
            try connection.handshake()
            // Two socket reads of one read pass, 5 ms apart (as if the requests before the
            // second took that long): its requests count their wait from the first read.
            connection.receiveWithinPass(try Connection.health(id: 2, timeoutMicros: 1_000))
            connection.loop.advanceTime(by: .milliseconds(5))
            connection.receiveWithinPass(Connection.joined(
                try Connection.health(id: 3, timeoutMicros: 4_000),
                try Connection.health(id: 4, timeoutMicros: 6_000),
                try Connection.health(id: 5)))
            connection.endReadPass()
            // The 5 ms spent the connection's turn (fair turns): the second read's requests
            // are answered in its next turn, counting their wait from the first read still.
            connection.loop.run()
            let answers = try connection.responses()
            #expect(answers.map(\.requestID) == [2, 3, 4, 5])
            #expect(answers.map(\.status.code) == [.ok, .deadlineExceeded, .ok, .ok])
            #expect(answers[1].status.message.contains("5000 µs"))
            // The next read pass starts its own clock.
            try connection.receive(Connection.health(id: 6, timeoutMicros: 1))
            #expect(try connection.responses().map(\.status.code) == [.ok])
        }
    }
}
