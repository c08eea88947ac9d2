import Foundation
import NIOCore
import NIOEmbedded
import SkewlessModel
import Synchronization
import Testing
@testable import Skewless
@testable import SkewlessWire

/// The client's side of a pipelined connection, on a test channel with a virtual clock:
/// every call is resumed exactly once, by its own response, its deadline or the end of the
/// connection.
@Suite(.timeLimit(.minutes(1)))
struct ResponseDispatcherTests {
    typealias Outcome = Result<ResponseEnvelope, SkewlessError>

    struct Connection {
        let channel: NIOAsyncTestingChannel
        let dispatcher: NIOLoopBound<ResponseDispatcher>

        init() async throws {
            let channel = NIOAsyncTestingChannel()
            dispatcher = try await channel.eventLoop.submit {
                let handler = ResponseDispatcher(peer: "test-node")
                try channel.pipeline.syncOperations.addHandler(handler)
                return NIOLoopBound(handler, eventLoop: channel.eventLoop)
            }.get()
            try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 7421)).get()
            self.channel = channel
        }

        /// Starts a call that must end by `timeout` on the channel's clock.
        func call(timeout: TimeAmount = .seconds(10), cancellation: CallCancellation? = nil) -> Task<Outcome, Never> {
            let (channel, dispatcher) = (channel, dispatcher)
            return Task {
                await withUnsafeContinuation { continuation in
                    channel.eventLoop.execute {
                        dispatcher.value.send(
                            method: .health, payload: [1, 2, 3], deadline: channel.eventLoop.now + timeout, continuation: continuation,
                            cancellation: cancellation)
                    }
                }
            }
        }

        /// What a cancelled caller's handler does: drop the request if it was sent.
        func cancel(_ cancellation: CallCancellation) {
            let dispatcher = dispatcher
            if let requestID = cancellation.cancel() {
                channel.eventLoop.execute { dispatcher.value.cancel(requestID) }
            }
        }

        /// The next request frame written to the node.
        func nextRequest() async throws -> Skewless_V1_RequestFrame {
            var frame = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
            #expect(frame.readInteger(as: UInt32.self) == UInt32(frame.readableBytes), "the length prefix")
            return try Skewless_V1_RequestFrame(serializedBytes: Array(frame.readableBytesView))
        }

        /// A response frame from the node, length prefix and all, as the socket reads it.
        func respond(to requestID: UInt64, payload: [UInt8]) async throws {
            try await channel.writeInbound(try Self.frame(requestID: requestID, payload: payload))
        }

        static func frame(requestID: UInt64, payload: [UInt8]) throws -> ByteBuffer {
            var response = Skewless_V1_ResponseFrame()
            response.requestID = requestID
            response.payload = Data(payload)
            var buffer = ByteBuffer()
            try FrameEncoder.write(response, into: &buffer)
            return buffer
        }
    }

    @Test func aCancelledCallEndsAtOnceItsLateResponseIsIgnoredAndTheConnectionServesOn() async throws {
        let connection = try await Connection()
        let cancellation = CallCancellation()
        let cancelled = connection.call(cancellation: cancellation)
        let sent = try await connection.nextRequest()
        connection.cancel(cancellation)
        let outcome = await cancelled.value
        #expect(throws: SkewlessError.self) { try outcome.get() }
        if case .failure(let error) = outcome { #expect(error.code == .cancelled) }
        // Its response comes after all: nobody is resumed twice, and the next call is answered.
        try await connection.respond(to: sent.requestID, payload: [9])
        let next = connection.call()
        let request = try await connection.nextRequest()
        try await connection.respond(to: request.requestID, payload: [7])
        #expect(try await next.value.get().payload == ByteBuffer(bytes: [7]))
    }

    @Test func aCallCancelledBeforeItIsSentIsNeverSent() async throws {
        let connection = try await Connection()
        let cancellation = CallCancellation()
        connection.cancel(cancellation)
        let outcome = await connection.call(cancellation: cancellation).value
        if case .failure(let error) = outcome { #expect(error.code == .cancelled) } else { Issue.record("it was answered") }
        let next = connection.call()
        let request = try await connection.nextRequest()
        #expect(request.requestID == 1 || request.requestID == 2)
        try await connection.respond(to: request.requestID, payload: [1])
        #expect(try await next.value.get().payload == ByteBuffer(bytes: [1]))
    }

    @Test func responsesInAnyOrderReachTheirOwnCallers() async throws {
        let connection = try await Connection()
        let calls = (0..<3).map { _ in connection.call() }
        var ids: [UInt64] = []
        for _ in calls {
            let request = try await connection.nextRequest()
            #expect(request.method == .health && request.payload == Data([1, 2, 3]) && request.timeoutMicros > 0)
            ids.append(request.requestID)
        }
        #expect(Set(ids).count == 3, "every request has its own id")
        for (index, id) in ids.enumerated().reversed() {
            try await connection.respond(to: id, payload: [UInt8(index)])
        }
        for (index, call) in calls.enumerated() {
            let response = try await call.value.get()
            #expect(Array(response.payload.readableBytesView) == [UInt8(index)])
        }
        // A response nobody waits for (say, after its deadline) is dropped.
        try await connection.respond(to: 999, payload: [])
        #expect(connection.channel.isActive)
    }

    @Test func aLaterCallWithAnEarlierDeadlineExpiresFirst() async throws {
        let connection = try await Connection()
        let long = connection.call(timeout: .seconds(10))
        _ = try await connection.nextRequest()
        let short = connection.call(timeout: .milliseconds(100))
        let shortRequest = try await connection.nextRequest()
        await connection.channel.testingEventLoop.advanceTime(by: .milliseconds(150))
        #expect(await short.value.failureCode == .deadlineExceeded)
        // The late answer to the expired call is dropped; the long call still waits.
        try await connection.respond(to: shortRequest.requestID, payload: [])
        await connection.channel.testingEventLoop.advanceTime(by: .seconds(9))
        let stillWaiting = connection.call(timeout: .seconds(30))
        _ = try await connection.nextRequest()
        await connection.channel.testingEventLoop.advanceTime(by: .seconds(1))
        #expect(await long.value.failureCode == .deadlineExceeded)
        await connection.channel.testingEventLoop.advanceTime(by: .seconds(28))
        _ = try? await connection.channel.close()
        #expect(await stillWaiting.value.failureCode == .unavailable, "not expired at 29 s of 30; failed by the close")
    }

    @Test func aClosedConnectionFailsWhatIsPendingAndEveryLaterCall() async throws {
        let connection = try await Connection()
        let pending = connection.call()
        _ = try await connection.nextRequest()
        _ = try? await connection.channel.close()
        #expect(await pending.value.failureCode == .unavailable)
        #expect(await connection.call().value.failureCode == .unavailable)
    }

    @Test func anUndecodableResponseClosesTheConnection() async throws {
        let connection = try await Connection()
        let pending = connection.call()
        _ = try await connection.nextRequest()
        try await connection.channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 2, 0x0A, 0xFF]))  // a length running past the end
        let outcome = await pending.value
        #expect(outcome.failureCode == .internal)
        #expect(!connection.channel.isActive)
    }

    /// The socket may hand over a frame in pieces, or several frames at once.
    @Test func responsesSplitAcrossReadsOrSharingOneReachTheirCallers() async throws {
        let connection = try await Connection()
        // One call at a time, so that call i is the one whose request came i-th (calls
        // started together may reach the socket in any order).
        var calls: [Task<Outcome, Never>] = []
        var ids: [UInt64] = []
        for _ in 0..<3 {
            calls.append(connection.call())
            ids.append(try await connection.nextRequest().requestID)
        }
        // The first response one byte per read; the other two in one read.
        var first = try Connection.frame(requestID: ids[0], payload: [10, 11, 12])
        while let byte = first.readInteger(as: UInt8.self) {
            try await connection.channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        var both = try Connection.frame(requestID: ids[2], payload: [30])
        var second = try Connection.frame(requestID: ids[1], payload: [20])
        both.writeBuffer(&second)
        try await connection.channel.writeInbound(both)
        var payloads: [[UInt8]] = []
        for call in calls { payloads.append(Array(try await call.value.get().payload.readableBytesView)) }
        #expect(payloads == [[10, 11, 12], [20], [30]])
    }

    @Test func aConnectionEndingInsideAResponseFailsItsCallerWithTheReason() async throws {
        let connection = try await Connection()
        let pending = connection.call()
        let id = try await connection.nextRequest().requestID
        var frame = try Connection.frame(requestID: id, payload: [1, 2, 3, 4])
        try await connection.channel.writeInbound(frame.readSlice(length: frame.readableBytes - 2)!)
        _ = try? await connection.channel.close()
        guard case .failure(let error) = await pending.value else {
            Issue.record("a truncated response must not complete the call")
            return
        }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("inside a frame"), "\(error.message)")
    }

    @Test func aCallWhoseDeadlineHasPassedIsNotSent() async throws {
        let connection = try await Connection()
        #expect(await connection.call(timeout: .zero).value.failureCode == .deadlineExceeded)
        let sent = try await connection.channel.readOutbound(as: ByteBuffer.self)
        #expect(sent == nil)
    }
}

/// The flushes that reach the socket's end of a pipeline.
private final class FlushCounter: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    let flushes = Mutex(0)

    func flush(context: ChannelHandlerContext) {
        flushes.withLock { $0 += 1 }
        context.flush()
    }
}

/// The payloads of the answers each test caller got, by caller.
private final class Answers: Sendable {
    let payloads = Mutex<[UInt64: [UInt8]]>([:])

    func waiter(_ caller: UInt64) -> ResponseDispatcher.Waiter {
        .callback { outcome in self.payloads.withLock { $0[caller] = (try? outcome.get()).map { Array($0.payload.readableBytesView) } } }
    }
}

extension ResponseDispatcherTests {
    @Test func requestsSentInOneTurnOfTheLoopLeaveInOneFlushAndALoneOneInItsOwn() async throws {
        let channel = NIOAsyncTestingChannel()
        let counter = FlushCounter()
        let dispatcher = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(counter)
            let handler = ResponseDispatcher(peer: "test-node")
            try channel.pipeline.syncOperations.addHandler(handler)
            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
        }.get()
        try await channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 7421)).get()
        let answered = Answers()
        // Three requests sent by one job of the loop, as when it resumes three callers in a row.
        try await channel.eventLoop.submit {
            for index in 0..<3 {
                dispatcher.value.send(
                    method: .health, payload: [UInt8(index)], deadline: channel.eventLoop.now + .seconds(10), waiter: answered.waiter(UInt64(index)))
            }
        }.get()
        var ids: [UInt64] = []
        for _ in 0..<3 {
            var frame = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
            frame.moveReaderIndex(forwardBy: 4)
            ids.append(try Skewless_V1_RequestFrame(serializedBytes: Array(frame.readableBytesView)).requestID)
        }
        #expect(Set(ids).count == 3)
        #expect(counter.flushes.withLock { $0 } == 1)
        // A lone request is flushed by itself, and every answer reaches its caller.
        try await channel.eventLoop.submit {
            dispatcher.value.send(
                method: .health, payload: [3], deadline: channel.eventLoop.now + .seconds(10), waiter: answered.waiter(3))
        }.get()
        var frame = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        frame.moveReaderIndex(forwardBy: 4)
        ids.append(try Skewless_V1_RequestFrame(serializedBytes: Array(frame.readableBytesView)).requestID)
        #expect(counter.flushes.withLock { $0 } == 2)
        for (index, id) in ids.enumerated() {
            try await channel.writeInbound(try Connection.frame(requestID: id, payload: [UInt8(index) + 10]))
        }
        #expect(answered.payloads.withLock { $0 } == [0: [10], 1: [11], 2: [12], 3: [13]])
        _ = try? await channel.close()
    }
}

extension Result where Failure == SkewlessError {
    var failureCode: SkewlessError.Code? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}
