import NIOCore
import NIOHTTP1
import Swiftlet

/// One connection's requests, on its event loop: finds each request's route, gathers its body and hands it to the
/// workers (the only thread hop), then writes the response a worker gives back. NIO does the HTTP: its decoder
/// answers malformed requests with 400, and its pipelining handler holds a connection's next request until this one
/// is answered, so a connection has at most one request here at a time.
final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// A routed request whose body is arriving.
        case collecting(Job)
        /// A request answered without a sandbox once its end arrives (no route, body too large); its body is dropped.
        case rejecting(HTTPResponseStatus, Exchange)
        /// With a worker.
        case running(Exchange)
    }

    private let service: PreparedService
    private var state = State.idle
    private var context: ChannelHandlerContext?

    init(service: PreparedService) {
        self.service = service
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// A malformed request (NIO's error handler has answered it with 400) or a failed connection: the connection
    /// cannot go on.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            state = route(head, context: context)
            // A client that waits for leave to send its body (curl does for large ones) gets it at once.
            if case .collecting = state,
                head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" })
            {
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .body(let part):
            guard case .collecting(var job) = state else { return }
            state = .idle  // so that `job` holds the only reference to the body, which grows in place
            if job.body.readableBytes + part.readableBytes > service.maxBodySize {
                state = .rejecting(.payloadTooLarge, Exchange(job.head, keepAlive: false))
                return
            }
            if job.body.readableBytes == 0 {
                job.body = part  // most bodies come in one part: kept, not copied
            } else {
                job.body.writeImmutableBuffer(part)
            }
            state = .collecting(job)
        case .end:
            switch state {
            case .collecting(var job):
                state = .running(Exchange(job.head))
                job.arrival = monotonicNanoseconds()
                service.workers.submit(job)
            case .rejecting(let status, let exchange):
                state = .running(exchange)
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: "text/plain")
                send(HTTPResponseHead(version: .http1_1, status: status, headers: headers),
                     body: ByteBuffer(string: status.reasonPhrase + "\n"))
            case .idle, .running:
                break
            }
        }
    }

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) -> State {
        let uri = head.uri
        let pathEnd = uri.utf8.firstIndex(of: UInt8(ascii: "?")) ?? uri.endIndex
        guard let match = service.matcher.match(uri[..<pathEnd]) else {
            return .rejecting(.notFound, Exchange(head))
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > service.maxBodySize {
            return .rejecting(.payloadTooLarge, Exchange(head, keepAlive: false))
        }
        return .collecting(
            Job(
                routeIndex: match.index, head: head, scriptNameEnd: match.pathInfo.startIndex, pathEnd: pathEnd,
                body: ByteBuffer(), remoteAddress: context.channel.remoteAddress, arrival: 0,
                responder: NIOLoopBound(self, eventLoop: context.eventLoop)))
    }

    /// Writes a response to the request with a worker or rejected; on the event loop.
    func send(_ head: HTTPResponseHead, body: ByteBuffer) {
        guard let context, case .running(let exchange) = state else { return }
        state = .idle
        let keepAlive = exchange.keepAlive
        var head = head
        head.version = exchange.version
        // Bodiless statuses carry no length (RFC 9110 8.6); every other response is framed by its length.
        let status = head.status.code
        if !(100..<200).contains(status) && status != 204 && status != 304 {
            head.headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        }
        if !keepAlive {
            head.headers.replaceOrAdd(name: "connection", value: "close")
        } else if exchange.version == .http1_0 {
            head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 && !exchange.isHead {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
                channel.close(promise: nil)
            }
        }
    }
}

/// What a response must match of its request: its HTTP version, whether the connection stays open after it, and
/// whether it is HEAD's (the length of the body GET would have, without the body).
private struct Exchange {
    var version: HTTPVersion
    var keepAlive: Bool
    var isHead: Bool

    init(_ head: HTTPRequestHead, keepAlive: Bool? = nil) {
        version = head.version
        self.keepAlive = keepAlive ?? head.isKeepAlive
        isHead = head.method == .HEAD
    }
}

/// A request handed to a worker: all it needs to run the route's module and answer on the request's event loop.
struct Job: Sendable {
    let routeIndex: Int
    let head: HTTPRequestHead
    /// Where the route's part of the path (CGI's SCRIPT_NAME) ends in `head.uri`, and where the path ends (at `?`).
    let scriptNameEnd: String.Index
    let pathEnd: String.Index
    var body: ByteBuffer
    let remoteAddress: SocketAddress?
    /// When the request was complete, in CLOCK_MONOTONIC nanoseconds: its time limit counts from here.
    var arrival: UInt64
    let responder: NIOLoopBound<RequestHandler>
}
