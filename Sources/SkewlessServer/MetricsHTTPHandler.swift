import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers one HTTP/1.1 connection of the metrics listener (`MetricsServer`): `GET /metrics`
/// (a query string is ignored) with the exposition, rendered on NIO's thread pool so that a
/// scrape never holds an event loop while it reads the node's state; anything else with 404.
/// Keep-alive as the client asks (Prometheus keeps its connection); NIO's pipelining helper in
/// front of it hands it one request at a time.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The content type of Prometheus's text exposition format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let render: @Sendable () -> [UInt8]
    private var request: HTTPRequestHead?

    init(render: @escaping @Sendable () -> [UInt8]) {
        self.render = render
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break  // a scrape has no body; any other request's is not read
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard head.method == .GET, path == "/metrics" else {
            write(status: .notFound, contentType: "text/plain; charset=utf-8", body: Array("not found: the node serves GET /metrics\n".utf8), keepAlive: head.isKeepAlive, context: context)
            return
        }
        let render = self.render
        let keepAlive = head.isKeepAlive
        let loop = context.eventLoop
        NIOThreadPool.singleton.runIfActive(eventLoop: loop) {
            render()
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let body):
                self.write(status: .ok, contentType: Self.contentType, body: body, keepAlive: keepAlive, context: context)
            case .failure(let error):
                self.write(
                    status: .serviceUnavailable, contentType: "text/plain; charset=utf-8", body: Array("the node is stopping: \(error)\n".utf8),
                    keepAlive: false, context: context)
            }
        }
    }

    private func write(status: HTTPResponseStatus, contentType: String, body: [UInt8], keepAlive: Bool, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
