import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import SkewlessModel
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// etcd v3 through its JSON gateway. Tries `endpoints` in order, moving to the next on a
/// connection failure or timeout (remembering the one that worked); every call has a deadline.
///
/// Every call is one `POST /v3/...` of a JSON body (`EtcdGateway`) over HTTP/1.1 with
/// AsyncHTTPClient; etcd answers it from the same gRPC handlers as its gRPC API, so the
/// semantics are etcd's own (linearizable reads, revisions, leases).
///
/// **Failover.** A call starts at the endpoint that answered last and tries each endpoint at
/// most once, each attempt with its own deadline of `timeout`, so a call ends within
/// `endpoints.count × timeout`. A connection that could not be opened means the request never
/// reached etcd, so any call moves on. A request that may have reached etcd before the
/// connection failed or the deadline passed is repeated on the next endpoint only when
/// repeating it is harmless (reads, status, lease keepalive and revoke, plain puts and
/// deletes); a conditional write (`compareAndSwap`, `delete(_:ifModRevision:)`) or a lease
/// grant is not repeated, and its error says the write may have been applied, so the caller
/// reads the key and decides again. An etcd member that answers `UNAVAILABLE` (no leader, no
/// quorum) is treated like a timeout.
///
/// **Errors.** `UNAVAILABLE` when no endpoint answers (naming every endpoint and what went
/// wrong); `DEADLINE_EXCEEDED` when the last attempts timed out; etcd's own refusals keep
/// their gRPC code (`NOT_FOUND` for an unknown lease, `INVALID_ARGUMENT` for a request too
/// large); `INTERNAL` for an answer this client cannot read; `CANCELLED` when the calling task
/// is cancelled.
///
/// Call `shutdown()` when done; a client dropped without it closes its connections in the
/// background.
package final class EtcdClient: Sendable {
    /// The endpoints, normalized to `http://host:port`, in the order given.
    package let endpoints: [String]
    /// The deadline of one attempt on one endpoint.
    package let timeout: Duration

    private let http: HTTPClient
    /// The index in `endpoints` of the one that answered last: the next call starts there.
    private let preferred = Mutex(0)

    /// The largest answer read (a range of the whole control plane is far smaller).
    private static let maximumAnswerBytes = 64 << 20

    /// - Parameters:
    ///   - endpoints: `http://host:port`, `https://host:port` or `host:port` (http), one per
    ///     element or several in one element separated by commas; the port defaults to 2379.
    ///   - timeout: the deadline of each attempt (connect, send, answer).
    /// - Throws: `INVALID_ARGUMENT` for no endpoint or one that is not `host:port`.
    package init(endpoints: [String], timeout: Duration = .seconds(2)) throws(SkewlessError) {
        var normalized: [String] = []
        for element in endpoints {
            for part in element.split(separator: ",") {
                let endpoint = try Self.normalize(String(part))
                if !normalized.contains(endpoint) { normalized.append(endpoint) }
            }
        }
        guard !normalized.isEmpty else {
            throw SkewlessError(.invalidArgument, "no etcd endpoint given: pass --etcd host:port (for example 127.0.0.1:2379)")
        }
        guard timeout > .zero else {
            throw SkewlessError(.invalidArgument, "the etcd timeout must be above zero, not \(timeout)")
        }
        self.endpoints = normalized
        self.timeout = timeout
        let amount = TimeAmount(timeout)
        var configuration = HTTPClient.Configuration(
            // A refused or unreachable endpoint fails fast so that the next one is tried
            // within the same call; a slow connect gets at most half the deadline.
            timeout: .init(connect: min(.nanoseconds(amount.nanoseconds / 2), .seconds(1)), read: amount),
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 4)
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        configuration.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// Closes the connections. The client answers nothing afterwards (`FAILED_PRECONDITION`).
    package func shutdown() async {
        try? await http.shutdown()
    }

    deinit {
        // A client dropped without shutdown() still closes its connections (AsyncHTTPClient
        // stops a debug build otherwise); after shutdown() this is a no-op.
        http.shutdown { _ in }
    }

    // MARK: Keys

    /// The key, or nil when it does not exist. A linearizable read.
    package func get(_ key: String) async throws(SkewlessError) -> EtcdKeyValue? {
        let request = EtcdGateway.RangeRequest(key: .init(key))
        let (answer, endpoint) = try await call("/v3/kv/range", request, as: EtcdGateway.RangeResponse.self, operation: "read \(key)", repeatable: true)
        return try answer.kvs?.first?.keyValue(endpoint: endpoint)
    }

    /// Every key that starts with `prefix` (all keys for ""), in ascending byte order.
    package func list(prefix: String) async throws(SkewlessError) -> [EtcdKeyValue] {
        let request = EtcdGateway.RangeRequest(key: .init(Self.rangeStart(prefix)), rangeEnd: .init(Self.rangeEnd(prefix: prefix)))
        let (answer, endpoint) = try await call("/v3/kv/range", request, as: EtcdGateway.RangeResponse.self, operation: "list \(prefix)*", repeatable: true)
        var keys: [EtcdKeyValue] = []
        for keyValue in answer.kvs ?? [] {
            keys.append(try keyValue.keyValue(endpoint: endpoint))
        }
        return keys
    }

    /// Writes `value` at `key`, attached to `lease` (0: none; the key then lives until deleted).
    /// - Returns: the new revision (the key's mod revision).
    /// - Throws: `NOT_FOUND` when the lease has expired or never existed.
    @discardableResult
    package func put(_ key: String, _ value: [UInt8], lease: Int64 = 0) async throws(SkewlessError) -> Int64 {
        let request = EtcdGateway.PutRequest(key: .init(key), value: .init(value), lease: lease == 0 ? nil : .init(lease))
        let (answer, endpoint) = try await call("/v3/kv/put", request, as: EtcdGateway.PutResponse.self, operation: "write \(key)", repeatable: true)
        return try Self.revision(answer.header, endpoint: endpoint, operation: "write \(key)")
    }

    /// Writes only if the key's mod revision is `expectedModRevision` (0: only if the key does not exist).
    /// - Returns: the new mod revision, or nil when the comparison failed (someone else wrote first).
    /// - Throws: `NOT_FOUND` when the lease has expired or never existed; `UNAVAILABLE` or
    ///   `DEADLINE_EXCEEDED` saying the write may have been applied when the answer was lost
    ///   (read the key and decide again).
    package func compareAndSwap(_ key: String, expectedModRevision: Int64, value: [UInt8], lease: Int64 = 0) async throws(SkewlessError) -> Int64? {
        let put = EtcdGateway.PutRequest(key: .init(key), value: .init(value), lease: lease == 0 ? nil : .init(lease))
        let request = EtcdGateway.TxnRequest(
            compare: [.modRevision(of: key, is: expectedModRevision)],
            success: [EtcdGateway.RequestOp(requestPut: put)],
            failure: []
        )
        let operation = "write \(key) if its mod revision is \(expectedModRevision)"
        let (answer, endpoint) = try await call("/v3/kv/txn", request, as: EtcdGateway.TxnResponse.self, operation: operation, repeatable: false)
        guard answer.succeeded == true else { return nil }
        return try Self.revision(answer.header, endpoint: endpoint, operation: operation)
    }

    /// Deletes the key; with `ifModRevision`, only if its mod revision is that.
    /// - Returns: whether a key was deleted (false: there was none, or the comparison failed).
    @discardableResult
    package func delete(_ key: String, ifModRevision: Int64? = nil) async throws(SkewlessError) -> Bool {
        let delete = EtcdGateway.DeleteRangeRequest(key: .init(key))
        guard let ifModRevision else {
            let (answer, _) = try await call("/v3/kv/deleterange", delete, as: EtcdGateway.DeleteRangeResponse.self, operation: "delete \(key)", repeatable: true)
            return (answer.deleted?.value ?? 0) > 0
        }
        let request = EtcdGateway.TxnRequest(
            compare: [.modRevision(of: key, is: ifModRevision)],
            success: [EtcdGateway.RequestOp(requestDeleteRange: delete)],
            failure: []
        )
        let operation = "delete \(key) if its mod revision is \(ifModRevision)"
        let (answer, _) = try await call("/v3/kv/txn", request, as: EtcdGateway.TxnResponse.self, operation: operation, repeatable: false)
        guard answer.succeeded == true else { return false }
        return (answer.responses?.first?.responseDeleteRange?.deleted?.value ?? 0) > 0
    }

    /// Deletes `key` only if its value is `value`.
    /// - Returns: whether it was deleted.
    package func delete(_ key: String, ifValue value: [UInt8]) async throws(SkewlessError) -> Bool {
        let request = EtcdGateway.TxnRequest(
            compare: [.value(of: key, is: value)],
            success: [EtcdGateway.RequestOp(requestDeleteRange: .init(key: .init(key)))],
            failure: []
        )
        let (answer, _) = try await call("/v3/kv/txn", request, as: EtcdGateway.TxnResponse.self, operation: "delete \(key) if it holds the expected value", repeatable: false)
        return answer.succeeded == true
    }

    // MARK: Leases

    /// A new lease. etcd may raise a TTL below its minimum (about 1.5 × its election timeout,
    /// 2 s at the default 1 s).
    /// - Returns: the lease id (never 0).
    package func grantLease(ttlSeconds: Int) async throws(SkewlessError) -> Int64 {
        guard ttlSeconds > 0 else {
            throw SkewlessError(.invalidArgument, "a lease TTL must be at least 1 second, not \(ttlSeconds)")
        }
        let request = EtcdGateway.LeaseGrantRequest(ttl: .init(Int64(ttlSeconds)))
        let operation = "grant a lease of \(ttlSeconds) s"
        let (answer, endpoint) = try await call("/v3/lease/grant", request, as: EtcdGateway.LeaseGrantResponse.self, operation: operation, repeatable: false)
        if let error = answer.error, !error.isEmpty {
            throw SkewlessError(.failedPrecondition, "etcd at \(endpoint) refused to \(operation): \(error)")
        }
        guard let id = answer.id?.value, id != 0 else {
            throw SkewlessError(.internal, "etcd at \(endpoint) granted a lease without an id; check that it is etcd 3.4 or later")
        }
        return id
    }

    /// Keeps `lease` alive for its TTL from now.
    /// - Returns: the TTL left in seconds; 0 or less when the lease has expired or never existed.
    package func keepAlive(_ lease: Int64) async throws(SkewlessError) -> Int64 {
        let request = EtcdGateway.LeaseIDRequest(id: .init(lease))
        let operation = "keep lease \(lease) alive"
        let (answer, endpoint) = try await call("/v3/lease/keepalive", request, as: EtcdGateway.StreamEnvelope<EtcdGateway.LeaseKeepAliveResponse>.self, operation: operation, repeatable: true)
        if let error = answer.error {
            let code = SkewlessError.Code(rawValue: error.grpcCode ?? SkewlessError.Code.unknown.rawValue)
            if code == .notFound { return 0 }
            throw SkewlessError(code, "etcd at \(endpoint) could not \(operation): \(error.message ?? "no message")")
        }
        guard let result = answer.result else {
            throw SkewlessError(.internal, "etcd at \(endpoint) answered a lease keepalive with neither a result nor an error; check that it is etcd 3.4 or later")
        }
        return result.ttl?.value ?? 0
    }

    /// Ends `lease` now, deleting every key attached to it. A lease that has already expired
    /// (or never existed) is not an error.
    package func revoke(_ lease: Int64) async throws(SkewlessError) {
        let request = EtcdGateway.LeaseIDRequest(id: .init(lease))
        do {
            _ = try await call("/v3/lease/revoke", request, as: EtcdGateway.LeaseRevokeResponse.self, operation: "revoke lease \(lease)", repeatable: true)
        } catch where error.code == .notFound {
            return
        }
    }

    // MARK: Cluster

    /// The server's version and the member answering (for status output and health checks).
    package func status() async throws(SkewlessError) -> (version: String, endpoint: String) {
        let (answer, endpoint) = try await call("/v3/maintenance/status", EtcdGateway.StatusRequest(), as: EtcdGateway.StatusResponse.self, operation: "read the status", repeatable: true)
        guard let version = answer.version else {
            throw SkewlessError(.internal, "etcd at \(endpoint) answered a status without a version; check that it is etcd 3.4 or later")
        }
        return (version, endpoint)
    }

    // MARK: The call

    /// What became of one attempt on one endpoint.
    private enum Attempt {
        case answered(status: HTTPResponseStatus, body: ByteBuffer)
        /// The request never reached etcd (the connection could not be opened).
        case notSent(String, timedOut: Bool)
        /// The request may have reached etcd.
        case maybeSent(String, timedOut: Bool)
        case cancelled
        case shutDown
    }

    /// POSTs `body` to `path` on each endpoint in turn (from the preferred one) until one
    /// answers, and decodes its answer.
    /// - Parameters:
    ///   - operation: what the call does, for messages ("write /a").
    ///   - repeatable: whether sending the request twice is harmless, so that it may go to
    ///     the next endpoint after the previous one may have received it.
    private func call<Body: Encodable, Answer: Decodable>(
        _ path: String, _ body: Body, as type: Answer.Type, operation: String, repeatable: Bool
    ) async throws(SkewlessError) -> (Answer, String) {
        let bytes: Data
        do {
            bytes = try JSONEncoder().encode(body)
        } catch {
            throw SkewlessError(.internal, "could not encode the etcd request to \(operation): \(error)")
        }
        let first = preferred.withLock { $0 }
        var problems: [String] = []
        var everyProblemTimedOut = true
        for step in 0..<endpoints.count {
            let index = (first + step) % endpoints.count
            let endpoint = endpoints[index]
            switch await attempt(endpoint + path, bytes) {
            case .answered(let status, let body):
                if status == .ok {
                    preferred.withLock { $0 = index }
                    return (try decode(type, from: body, endpoint: endpoint, operation: operation), endpoint)
                }
                let error = refusal(status: status, body: body, endpoint: endpoint, operation: operation)
                guard error.code == .unavailable, repeatable else { throw error }
                problems.append(error.message)
                everyProblemTimedOut = false
            case .notSent(let reason, let timedOut):
                problems.append("\(endpoint): \(reason)")
                everyProblemTimedOut = everyProblemTimedOut && timedOut
            case .maybeSent(let reason, let timedOut):
                guard repeatable else {
                    let code: SkewlessError.Code = timedOut ? .deadlineExceeded : .unavailable
                    throw SkewlessError(code, "etcd at \(endpoint) did not answer the request to \(operation) (\(reason)); it may or may not have been applied: read the key again and decide from what it holds")
                }
                problems.append("\(endpoint): \(reason)")
                everyProblemTimedOut = everyProblemTimedOut && timedOut
            case .cancelled:
                throw SkewlessError(.cancelled, "the request to etcd to \(operation) was cancelled")
            case .shutDown:
                throw SkewlessError(.failedPrecondition, "the etcd client was shut down before the request to \(operation); make a new EtcdClient")
            }
        }
        let list = problems.joined(separator: "; ")
        if everyProblemTimedOut {
            throw SkewlessError(.deadlineExceeded, "no etcd endpoint answered the request to \(operation) within \(timeout) (\(list)); check that etcd runs and is not overloaded, or raise the timeout")
        }
        throw SkewlessError(.unavailable, "no etcd endpoint could \(operation) (\(list)); start etcd (scripts/setup.sh installs etcd-server) or check --etcd")
    }

    private func attempt(_ url: String, _ body: Data) async -> Attempt {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, deadline: .now() + TimeAmount(timeout))
            let answer = try await response.body.collect(upTo: Self.maximumAnswerBytes)
            return .answered(status: response.status, body: answer)
        } catch {
            if Task.isCancelled { return .cancelled }
            return Self.classify(error)
        }
    }

    /// Sorts a transport error into "never sent" (safe to send elsewhere) and "maybe sent".
    private static func classify(_ error: any Error) -> Attempt {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout:
                return .notSent("could not connect within the connect timeout", timedOut: true)
            case .deadlineExceeded:
                return .maybeSent("no answer within the deadline", timedOut: true)
            case .readTimeout:
                return .maybeSent("the answer stopped arriving (read timeout)", timedOut: true)
            case .alreadyShutdown:
                return .shutDown
            case .cancelled:
                return .maybeSent("the request was cancelled", timedOut: false)
            default:
                return .maybeSent("\(error)", timedOut: false)
            }
        case let error as NIOConnectionError:
            let reasons = error.connectionErrors.map { "\($0.target): \(describe($0.error))" }
            return .notSent("could not connect (\(reasons.isEmpty ? "no address for \(error.host)" : reasons.joined(separator: ", ")))", timedOut: false)
        case ChannelError.connectTimeout:
            return .notSent("could not connect within the connect timeout", timedOut: true)
        case let error as IOError where [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(error.errnoCode):
            return .notSent("could not connect (\(describe(error)))", timedOut: false)
        default:
            return .maybeSent(describe(error), timedOut: false)
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        return "\(error)"
    }

    private func decode<Answer: Decodable>(_ type: Answer.Type, from body: ByteBuffer, endpoint: String, operation: String) throws(SkewlessError) -> Answer {
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch {
            let text = String(decoding: body.readableBytesView.prefix(200), as: UTF8.self)
            throw SkewlessError(.internal, "etcd at \(endpoint) answered the request to \(operation) with something this client cannot read (\(error)): \(text); check that the endpoint is etcd 3.4 or later")
        }
    }

    /// etcd's refusal as an error: its gRPC code and message, with what to do next where known.
    private func refusal(status: HTTPResponseStatus, body: ByteBuffer, endpoint: String, operation: String) -> SkewlessError {
        let bytes = Data(body.readableBytesView)
        guard let answer = try? JSONDecoder().decode(EtcdGateway.ErrorBody.self, from: bytes), let code = answer.code else {
            let text = String(decoding: bytes.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if status == .notFound {
                return SkewlessError(.unimplemented, "\(endpoint) has no etcd v3 JSON gateway (HTTP 404 \(text)): check --etcd names etcd's client URL and that it is etcd 3.4 or later")
            }
            return SkewlessError(.unavailable, "\(endpoint) answered the request to \(operation) with HTTP \(status.code): \(text); check --etcd names etcd's client URL")
        }
        let message = answer.message ?? answer.error ?? "no message"
        return SkewlessError(SkewlessError.Code(rawValue: code), "etcd at \(endpoint) refused to \(operation): \(message)\(Self.advice(for: message))")
    }

    private static func advice(for message: String) -> String {
        if message.contains("lease not found") {
            return " (the lease expired or was revoked: grant a new one)"
        }
        if message.contains("too large") || message.contains("larger than max") {
            return " (raise etcd's --max-request-bytes)"
        }
        if message.contains("no leader") || message.contains("timed out") {
            return " (etcd has no quorum: check that a majority of its members run and reach each other)"
        }
        if message.contains("space exceeded") {
            return " (etcd's database is full: compact and defragment it, then disarm the alarm)"
        }
        return ""
    }

    private static func revision(_ header: EtcdGateway.ResponseHeader?, endpoint: String, operation: String) throws(SkewlessError) -> Int64 {
        guard let revision = header?.revision?.value else {
            throw SkewlessError(.internal, "etcd at \(endpoint) answered the request to \(operation) without a revision; check that it is etcd 3.4 or later")
        }
        return revision
    }

    // MARK: Endpoints and ranges

    /// `host:port`, `http://host:port` or `https://host:port` as `scheme://host:port`.
    static func normalize(_ text: String) throws(SkewlessError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let withScheme = trimmed.contains("://") ? trimmed : "http://" + trimmed
        guard let url = URL(string: withScheme), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil
        else {
            throw SkewlessError(.invalidArgument, "'\(text)' is not an etcd endpoint: write host:port or http://host:port, for example 127.0.0.1:2379")
        }
        let port = url.port ?? 2379
        guard (1...65535).contains(port) else {
            throw SkewlessError(.invalidArgument, "'\(text)' has port \(port): use 1 to 65535 (etcd listens on 2379 by default)")
        }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(bracketed):\(port)"
    }

    /// The first key of a prefix range: the prefix, or the zero byte (etcd's "from the start")
    /// for the empty prefix.
    static func rangeStart(_ prefix: String) -> [UInt8] {
        prefix.isEmpty ? [0] : Array(prefix.utf8)
    }

    /// The end (exclusive) of the range of keys that start with `prefix`: the prefix with its
    /// last byte below 0xff incremented and the rest dropped; the zero byte ("to the end") when
    /// there is none.
    static func rangeEnd(prefix: String) -> [UInt8] {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0xff {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return [0]
    }
}
