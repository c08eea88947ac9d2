import NIOCore
import NIOSSL
import SkewlessModel
import SkewlessTLS

/// The Redis the baseline runs against: one fsbench started (and stops), or one at a given
/// address.
package final class RedisBaseline: Sendable {
    package let host: String
    package let port: Int
    /// The TLS port and the context to reach it, when the server fsbench started has one.
    package let tls: (port: Int, context: NIOSSLContext)?
    private let server: RedisServerProcess?

    private init(host: String, port: Int, server: RedisServerProcess?, tls: (port: Int, context: NIOSSLContext)? = nil) {
        self.host = host
        self.port = port
        self.server = server
        self.tls = tls
    }

    /// The redis-server's pid when fsbench started it.
    package var pid: Int32? { server?.pid }

    /// Starts a redis-server on 127.0.0.1 on a free port (see `RedisServerProcess.start`).
    /// - Parameter tls: the server's certificate chain and key, and the CA that signed them
    ///   (trusted by the baseline's TLS connections): the server also serves TLS.
    package static func start(
        executable: String = "redis-server", persistence: RedisServerProcess.Persistence = .none, parentDirectory: String? = nil,
        tls: TLSFiles? = nil
    ) async throws(SkewlessError) -> RedisBaseline {
        var files: (certificate: String, key: String, ca: String)?
        var context: NIOSSLContext?
        if let tls {
            guard let certificate = tls.certificateChain, let key = tls.privateKey, let ca = tls.trustRoots else {
                throw SkewlessError(.invalidArgument, "a TLS Redis baseline needs a certificate, its key and the CA that signed it")
            }
            files = (certificate, key, ca)
            context = try TLSContexts.client(TLSFiles(trustRoots: ca))
        }
        let server = try await RedisServerProcess.start(executable: executable, persistence: persistence, parentDirectory: parentDirectory, tls: files)
        let tlsEnd: (port: Int, context: NIOSSLContext)? = if let context, let port = server.tlsPort { (port, context) } else { nil }
        return RedisBaseline(host: "127.0.0.1", port: server.port, server: server, tls: tlsEnd)
    }

    /// A running server at "host:port".
    package static func existing(_ address: String) throws(SkewlessError) -> RedisBaseline {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (1...65535).contains(port),
            colon != address.startIndex
        else {
            throw SkewlessError(.invalidArgument, "--redis must be HOST:PORT, as in 127.0.0.1:6379; got '\(address)'")
        }
        return RedisBaseline(host: String(address[..<colon]), port: port, server: nil)
    }

    package func target(shape: RequestShape, timeout: Duration) -> RedisTarget {
        RedisTarget(host: host, port: port, shape: shape, timeout: timeout)
    }

    /// The same server over its TLS port ("redis-tls"), when it has one.
    package func tlsTarget(shape: RequestShape, timeout: Duration) -> RedisTarget? {
        tls.map { RedisTarget(host: host, port: $0.port, shape: shape, timeout: timeout, tls: $0.context) }
    }

    package func connect() async throws(SkewlessError) -> RESPConnection {
        try await RESPConnection.connect(host: host, port: port)
    }

    /// The server's persistence as configured, "appendonly yes, appendfsync always, dir
    /// /tmp/...", read with CONFIG GET (for a server fsbench did not start too).
    package func persistence() async throws(SkewlessError) -> String {
        let connection = try await connect()
        do {
            var parts: [String] = []
            for name in ["appendonly", "appendfsync", "dir"] {
                let reply = try await connection.command(["CONFIG", "GET", name])
                if case .array(let pair?) = reply, pair.count == 2, case .bulkString(let value?) = pair[1] {
                    parts.append("\(name) \(String(buffer: value))")
                }
            }
            await connection.close()
            return parts.joined(separator: ", ")
        } catch {
            await connection.close()
            throw error
        }
    }

    /// `INFO memory` now.
    package func memory() async throws(SkewlessError) -> RedisInfo {
        let connection = try await connect()
        do {
            let info = try await RedisInfo.memory(of: connection)
            await connection.close()
            return info
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Stops the server if fsbench started it.
    package func stop() async {
        await server?.stop()
    }
}
