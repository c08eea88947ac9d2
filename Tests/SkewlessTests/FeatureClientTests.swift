#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import Skewless
@testable import SkewlessWire

@Suite(.timeLimit(.minutes(1)))
struct FeatureClientTests {
    @Test func aCallFailsWithDeadlineExceededWhenTheNodeDoesNotAnswerInTime() async throws {
        let node = try await SilentNode()
        let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .milliseconds(150) })
        let started = ContinuousClock.now
        let error = await #expect(throws: SkewlessError.self) {
            try await client.getOnlineFeatures(service: "s", entities: [["user_id": 1]])
        }
        #expect(error?.code == .deadlineExceeded)
        // Bounded by the deadline, not by anything longer (a loose bound: this is not a timing test).
        #expect(ContinuousClock.now - started < .seconds(30))
        // A per-call deadline overrides the configured one.
        let perCall = await #expect(throws: SkewlessError.self) {
            try await client.health(timeout: .milliseconds(50))
        }
        #expect(perCall?.code == .deadlineExceeded)
        await client.close()
        await node.close()
    }

    @Test func cancellingTheCallingTaskEndsTheCallLongBeforeItsDeadline() async throws {
        let node = try await SilentNode()
        let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.connectionsPerNode = 1 })
        let started = ContinuousClock.now
        let call = Task { try await client.health(timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(100))
        call.cancel()
        let outcome = await call.result
        let took = ContinuousClock.now - started
        #expect(throws: SkewlessError.self) { try outcome.get() }
        if case .failure(let error) = outcome { #expect((error as? SkewlessError)?.code == .cancelled, "\(error)") }
        // Far from the 60 s deadline (the bound is loose only for loaded machines).
        #expect(took < .seconds(30), "\(took)")
        await client.close()
        await node.close()
    }

    @Test func aLaterCallWithAnEarlierDeadlineExpiresFirst() async throws {
        // One connection, so both calls share one timer: the second call's earlier deadline
        // must move it forward, and the first call must still expire at its own.
        let node = try await SilentNode()
        let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.connectionsPerNode = 1 })
        let started = ContinuousClock.now
        async let long: Duration = {
            _ = try? await client.health(timeout: .seconds(25))
            return ContinuousClock.now - started
        }()
        try await Task.sleep(for: .milliseconds(50))
        let short = await #expect(throws: SkewlessError.self) { try await client.health(timeout: .milliseconds(100)) }
        #expect(short?.code == .deadlineExceeded)
        let shortTook = ContinuousClock.now - started
        let longTook = await long
        // Far apart, so that a loaded machine's stalls (seconds, in a full parallel run) never
        // blur the two: waiting for the long deadline would take 25 s.
        #expect(shortTook < .seconds(20), "the short call waited for the long one's deadline: \(shortTook)")
        #expect(longTook >= .seconds(25), "the long call ended before its deadline: \(longTook)")
        await client.close()
        await node.close()
    }

    @Test func anUnreachableNodeIsUnavailableAfterRetries() async throws {
        // A port nobody listens on: a socket bound to it and never listening, held for the
        // test, so that connections are refused and no node another test starts meanwhile
        // can take the port (closing a probe first let one take it, and the call succeeded).
        let reserved = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(reserved >= 0)
        defer { close(reserved) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(reserved, $0, length) == 0 && getsockname(reserved, $0, &length) == 0 }
        }
        #expect(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: port)) {
            $0.maxAttempts = 3
            // Long enough for all three attempts and their backoff even on a loaded machine
            // (with 2 s, a full parallel test run sometimes fit only two).
            $0.timeout = .seconds(30)
        })
        let error = await #expect(throws: SkewlessError.self) { try await client.health() }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("gave up after 3 attempts") == true, "\(String(describing: error))")
        await client.close()
    }

    @Test func writeRequestsAreColumnarWithNullRowsAndOneTypePerField() throws {
        let request = try FeatureClient.writeRequest(view: "v", rows: [
            FeatureWrite(entity: ["user_id": 1], eventTime: 10, values: ["a": .int64(1), "b": nil]),
            FeatureWrite(entity: ["user_id": 2], eventTime: 20, values: ["a": nil, "b": .string("x")]),
        ])
        #expect(request.entities.map(\.joinKey) == ["user_id"])
        #expect(request.entities[0].int64Values == [1, 2])
        #expect(request.eventTimeMicros == [10, 20])
        #expect(request.createdTimeMicros.isEmpty)
        let a = try #require(request.columns.first { $0.field == "a" })
        #expect(a.values.int64Values == [1, 0])
        #expect(a.nullRows == [1])
        let b = try #require(request.columns.first { $0.field == "b" })
        #expect(b.values.stringValues == ["", "x"])
        #expect(b.nullRows == [0])

        #expect(throws: SkewlessError.self) {
            try FeatureClient.writeRequest(view: "v", rows: [
                FeatureWrite(entity: ["user_id": 1], eventTime: 1, values: ["a": .int64(1)]),
                FeatureWrite(entity: ["user_id": 2], eventTime: 1, values: ["a": .double(1)]),
            ])
        }
        #expect(throws: SkewlessError.self) {
            try FeatureClient.writeRequest(view: "v", rows: [
                FeatureWrite(entity: ["user_id": 1], eventTime: 1, createdTime: 5, values: [:]),
                FeatureWrite(entity: ["user_id": 2], eventTime: 1, values: [:]),
            ])
        }
    }

    @Test func responsesAreReadableByQualifiedShortAndBareNames() throws {
        var column = Skewless_V1_FeatureColumn()
        column.feature = "stats@2:score"
        column.type = .float
        column.statuses = [.present, .notFound]
        column.eventTimeMicros = [100, 0]
        column.values.floatValues = [0.5, 0]
        var response = Skewless_V1_GetOnlineFeaturesResponse()
        response.features = [column]
        let bytes: [UInt8] = try response.serializedBytes()
        let answer = try bytes.withUnsafeBytes { try ReceivedFeatures(decoding: $0, rowCount: 2) }
        let features = OnlineFeatures(answers: [MergedAnswer(answer)], sources: nil, entityCount: 2, layout: ColumnLayout(names: answer.names))
        #expect(features[0].float("stats@2:score") == 0.5)
        #expect(features[0].float("stats:score") == 0.5)
        #expect(features[0].float("score") == 0.5)
        #expect(features[0].eventTime("score") == 100)
        #expect(features[1].float("score") == nil)
        #expect(features[1].status("score") == .notFound)
        #expect(features[0].double("score") == nil, "a typed accessor of another type gives nil")
        #expect(features[0].status("absent") == nil)
        #expect(features[0].float(at: 0) == 0.5 && features[0].status(at: 0) == .present && features[0].eventTime(at: 0) == 100)
        #expect(features[0].value(at: 0) == .float(0.5))
        #expect(features[0].float(at: 1) == nil && features[0].status(at: -1) == nil, "a position out of range gives nil")
    }

    @Test func aResponseThatDoesNotMatchTheBatchIsRejected() throws {
        var column = Skewless_V1_FeatureColumn()
        column.feature = "v@1:f"
        column.type = .int64
        column.statuses = [.present]
        column.eventTimeMicros = [1]
        column.values.int64Values = [1]
        var response = Skewless_V1_GetOnlineFeaturesResponse()
        response.features = [column]
        let bytes: [UInt8] = try response.serializedBytes()
        #expect(throws: SkewlessError.self) {
            try bytes.withUnsafeBytes { try OnlineFeaturesCodec.decodeResponse($0, entityCount: 2) }
        }
    }

    @Test func endpointsParse() {
        #expect(Endpoint("127.0.0.1:7421") == Endpoint(host: "127.0.0.1", port: 7421))
        #expect(Endpoint("localhost") == nil)
        #expect(Endpoint(":80") == nil)
        #expect(Endpoint("h:70000") == nil)
    }
}
