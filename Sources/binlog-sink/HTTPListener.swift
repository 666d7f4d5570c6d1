import CDCCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A deliberately small HTTP/1.1 server for the command's endpoints (`--registry-listen` through `RegistryServer`,
/// `--metrics-listen`): one thread, one request per connection (`Connection: close`), requests handled one after
/// another. A request head larger than `maxRequestBytes` is refused with 431; a client that sends nothing for
/// `readTimeoutSeconds` is dropped, so one idle connection cannot hold the server for long. Methods outside the
/// `Policy`'s (GET and HEAD by default) are 405; the others (POST) carry a `Content-Length` body of at most
/// `Policy.maxBodyBytes` that must arrive within `Policy.bodyTimeoutSeconds`. Without a host (`:8081` or `8081`) it
/// listens on 127.0.0.1.
final class HTTPListener: Sendable {
    static let maxRequestBytes = 8192
    static let readTimeoutSeconds = 5

    struct Response: Sendable {
        var status: Int
        var contentType: String
        var body: [UInt8]

        init(status: Int, contentType: String, body: String) {
            self.status = status
            self.contentType = contentType
            self.body = Array(body.utf8)
        }
    }

    /// A request as the handler gets it: `body` is empty for GET and HEAD.
    struct Request: Sendable {
        var method: String
        var target: String
        var body: [UInt8]
    }

    /// Which methods a listener answers and how it takes request bodies.
    struct Policy: Sendable {
        /// The methods the handler answers (anything else is 405 with `Allow` naming these); every one but GET and
        /// HEAD takes a `Content-Length` body.
        var methods = ["GET", "HEAD"]
        /// The largest request body accepted (413 above it).
        var maxBodyBytes = 0
        /// How long a whole body may take to arrive; the connection is dropped after that.
        var bodyTimeoutSeconds = 30
        /// What a 405 answer says after `HTTP method X not allowed: `.
        var refusal = "this server is read-only"
    }

    typealias Handler = @Sendable (_ request: Request) -> Response

    private let socket: Int32
    private let handler: Handler
    private let errorResponse: @Sendable (Int, String) -> Response
    private let policy: Policy
    /// What messages call it ("schema registry", "metrics").
    let name: String
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    /// The address as given, for messages.
    let address: String

    private init(
        socket: Int32, address: String, name: String, policy: Policy, handler: @escaping Handler,
        errorResponse: @escaping @Sendable (Int, String) -> Response
    ) {
        self.socket = socket
        self.address = address
        self.name = name
        self.policy = policy
        self.handler = handler
        self.errorResponse = errorResponse
    }

    /// Binds and listens on `listen` (HOST:PORT, [IPv6]:PORT, :PORT or PORT; `option` names it in errors), then
    /// serves on a thread of its own: `handler` answers the requests `policy` lets through, `errorResponse` the
    /// requests the listener refuses itself (400, 405, 411, 413, 431). Returns the listener and the address it
    /// listens on (for the log).
    static func start(
        listen: String, option: String, name: String, policy: Policy = Policy(), handler: @escaping Handler,
        errorResponse: @escaping @Sendable (Int, String) -> Response
    ) throws(CDCError) -> (HTTPListener, String) {
        let (host, port) = try parse(listen, option: option)
        let fd = try bind(host: host, port: port, listen: listen, option: option)
        let server = HTTPListener(
            socket: fd, address: listen, name: name, policy: policy, handler: handler, errorResponse: errorResponse)
        let box = Unmanaged.passRetained(server)
        var thread = pthread_t()
        let started = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                let server = Unmanaged<HTTPListener>.fromOpaque(argument).takeRetainedValue()
                server.serve()
                return nil
            }, box.toOpaque())
        guard started == 0 else {
            box.release()
            close(fd)
            throw CDCError(.io, "\(option) \(listen): cannot start the \(name) thread (error \(started))")
        }
        pthread_detach(thread)
        return (server, display(host: host, port: port))
    }

    /// Stops accepting (within about 100 ms) and closes the listening socket.
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        for _ in 0..<50 where !finished.load(ordering: .sequentiallyConsistent) { usleep(20_000) }
    }

    // MARK: - Address

    static func parse(_ listen: String, option: String = "--listen") throws(CDCError) -> (host: String, port: UInt16) {
        let text = Substring(listen)
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw usage(listen, "an IPv6 address goes in brackets: [::1]:8081", option: option)
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                throw usage(listen, "an IPv6 address goes in brackets: [::1]:8081", option: option)
            }
        } else {
            host = ""
            portText = text
        }
        if host.isEmpty { host = "127.0.0.1" }
        guard let port = UInt16(portText), port > 0 else {
            throw usage(
                listen, "the port must be a number from 1 to 65535 (use HOST:PORT, e.g. 127.0.0.1:8081)", option: option
            )
        }
        return (String(host), port)
    }

    private static func display(host: String, port: UInt16) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func usage(_ listen: String, _ message: String, option: String = "--listen") -> CDCError {
        CDCError(.usage, "\(option) \(listen): \(message)")
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    private static func bind(host: String, port: UInt16, listen: String, option: String) throws(CDCError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            let reason = gai_strerror(resolved).map { String(cString: $0) } ?? "error \(resolved)"
            throw usage(listen, "cannot resolve host \(host): \(reason)", option: option)
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = 0
        var lastStep = "bind"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let fd = Glibc.socket(
                current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                current.pointee.ai_protocol)
            guard fd >= 0 else {
                lastError = errno
                lastStep = "socket"
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.bind(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) != 0 {
                lastError = errno
                lastStep = "bind"
                close(fd)
                continue
            }
            if Glibc.listen(fd, 16) != 0 {
                lastError = errno
                lastStep = "listen"
                close(fd)
                continue
            }
            return fd
        }
        switch lastError {
        case EADDRINUSE:
            throw usage(
                listen, "the address is already in use (another process listens there): choose another port",
                option: option)
        case EADDRNOTAVAIL:
            throw usage(listen, "\(host) is not an address of this machine", option: option)
        case EACCES:
            throw usage(listen, "permission denied (ports below 1024 need privileges)", option: option)
        default:
            throw usage(listen, "cannot \(lastStep): \(errorText(lastError))", option: option)
        }
    }

    // MARK: - Serving

    private func serve() {
        defer {
            close(socket)
            finished.store(true, ordering: .sequentiallyConsistent)
        }
        var failures = 0
        while !stopping.load(ordering: .sequentiallyConsistent) {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready <= 0 { continue }
            let client = accept(socket, nil, nil)
            guard client >= 0 else {
                let code = errno
                if code == EINTR || code == EAGAIN || code == ECONNABORTED { continue }
                failures += 1
                if failures == 1 || failures % 1000 == 0 {
                    Logger.error("\(name): accept failed: \(Self.errorText(code))")
                }
                usleep(50_000)
                continue
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var timeout = timeval(tv_sec: Self.readTimeoutSeconds, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while Self.headEnd(request) == nil {
            if request.count > Self.maxRequestBytes {
                respond(client, errorResponse(431, "Request header fields too large"), head: false)
                drain(client)
                return
            }
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }  // closed, reset or timed out before a whole request head
            request += chunk[0..<count]
        }
        if let end = Self.headEnd(request), end > Self.maxRequestBytes {
            respond(client, errorResponse(431, "Request header fields too large"), head: false)
            return
        }
        let lineEnd = request.firstIndex(of: UInt8(ascii: "\r")) ?? request.count
        let parts = request[..<lineEnd].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard parts.count == 3, parts[2].starts(with: Array("HTTP/1.".utf8)),
            let method = String(validating: parts[0], as: UTF8.self),
            let target = String(validating: parts[1], as: UTF8.self), target.hasPrefix("/")
        else {
            respond(client, errorResponse(400, "Bad request"), head: false)
            drain(client)
            return
        }
        guard policy.methods.contains(method) else {
            respond(client, errorResponse(405, "HTTP method \(method) not allowed: \(policy.refusal)"), head: false)
            drain(client)
            return
        }
        var body: [UInt8] = []
        if method != "GET" && method != "HEAD" {
            guard let end = Self.headEnd(request), let read = readBody(client, request: request, headEnd: end) else {
                drain(client)
                return
            }
            body = read
        }
        respond(client, handler(Request(method: method, target: target, body: body)), head: method == "HEAD")
    }

    /// The request body (`Content-Length` bytes after the head), answering `100 Continue` when the client waits for
    /// it; nil after answering the error (no length, chunked, too large, or the client stopped sending).
    private func readBody(_ client: Int32, request: [UInt8], headEnd: Int) -> [UInt8]? {
        var length: Int?
        var expectContinue = false
        let lines = request[..<headEnd].split(separator: UInt8(ascii: "\n")).dropFirst()
        for line in lines {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = Self.trimmedLowercase(line[..<colon])
            let value = Self.trimmedLowercase(line[(colon + 1)...])
            switch name {
            case "content-length": length = Int(value)
            case "transfer-encoding" where value != "identity":
                respond(client, errorResponse(411, "Send a Content-Length body"), head: false)
                return nil
            case "expect" where value == "100-continue": expectContinue = true
            default: break
            }
        }
        guard let length, length >= 0 else {
            respond(client, errorResponse(411, "Send a Content-Length body"), head: false)
            return nil
        }
        guard length <= policy.maxBodyBytes else {
            respond(client, errorResponse(413, "Request body over \(policy.maxBodyBytes) bytes"), head: false)
            return nil
        }
        var body = Array(request[headEnd...].prefix(length))
        if body.count < length, expectContinue {
            let line = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            _ = line.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        var chunk = [UInt8](repeating: 0, count: 16384)
        let deadline = ContinuousClock.now + .seconds(policy.bodyTimeoutSeconds)
        while body.count < length {
            guard ContinuousClock.now < deadline else { return nil }
            let count = chunk.withUnsafeMutableBytes {
                recv(client, $0.baseAddress, min($0.count, length - body.count), 0)
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }  // closed or timed out mid-body: nothing to answer
            body += chunk[0..<count]
        }
        return body
    }

    /// A header name or value without surrounding spaces, tabs and CR, in lower case.
    private static func trimmedLowercase(_ bytes: ArraySlice<UInt8>) -> String {
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard let first = bytes.firstIndex(where: { !blank($0) }), let last = bytes.lastIndex(where: { !blank($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self).lowercased()
    }

    /// Reads and drops what the client still sends (at most 1 MiB, 200 ms per read) before the connection is
    /// closed: closing with unread input resets the connection, and the client could lose the answer.
    private func drain(_ client: Int32) {
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var chunk = [UInt8](repeating: 0, count: 16384)
        var total = 0
        while total < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            total += count
        }
    }

    /// The index just past the blank line ending the request head, or nil.
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 422: return "Unprocessable Entity"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Error"
        }
    }

    private func respond(_ client: Int32, _ response: Response, head: Bool) {
        var text = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        text += "Content-Type: \(response.contentType)\r\n"
        text += "Content-Length: \(response.body.count)\r\n"
        if response.status == 405 { text += "Allow: \(policy.methods.joined(separator: ", "))\r\n" }
        text += "Connection: close\r\n\r\n"
        var bytes = Array(text.utf8)
        if !head { bytes += response.body }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            sent += count
        }
        shutdown(client, Int32(SHUT_WR))
    }
}
