import CDCCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `--registry-listen HOST:PORT`: the embedded schema registry's read API (`ConfluentRegistryRoutes`) over HTTP/1.1,
/// so Kafka consumers (Confluent's `AvroDeserializer`, `KafkaAvroDeserializer`, kcat -s avro) fetch the schemas the
/// Avro format registered in the `AvroSchemaCatalog`. With `--registry-writable` it also takes registrations
/// (`RegistryWriteRoutes`: request bodies up to `maxBodyBytes`, with `Content-Length`), saved in the state
/// directory before the answer, so other runs can use it as their `--schema-registry-url`.
///
/// Deliberately small: one thread, one request per connection (`Connection: close`), requests handled one after
/// another. A request head larger than `maxRequestBytes` is refused with 431; a client that sends nothing for
/// `readTimeoutSeconds` is dropped, and a body must arrive within `bodyTimeoutSeconds`, so one slow connection cannot
/// hold the registry for long. GET and HEAD, and POST when writable: anything else is 405. Without a host (`:8081` or `8081`) it listens on 127.0.0.1.
final class RegistryServer: Sendable {
    static let maxRequestBytes = 8192
    static let maxBodyBytes = 4 << 20
    static let readTimeoutSeconds = 5
    static let bodyTimeoutSeconds: UInt64 = 30

    private let socket: Int32
    private let catalog: AvroSchemaCatalog
    /// Saves a registration made through the write path; nil: read-only.
    private let persist: (@Sendable (AvroSchemaRecord) throws(CDCError) -> Void)?
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    /// The address as given, for messages.
    let address: String

    private init(
        socket: Int32, address: String, catalog: AvroSchemaCatalog,
        persist: (@Sendable (AvroSchemaRecord) throws(CDCError) -> Void)?
    ) {
        self.socket = socket
        self.address = address
        self.catalog = catalog
        self.persist = persist
    }

    /// Binds and listens on `listen` (HOST:PORT, [IPv6]:PORT, :PORT or PORT), then serves on a thread of its own.
    /// `log` says where it listens (the serving thread writes its own rare errors to stderr).
    /// `writable`: accept registrations, saved with `keeper` (required then).
    static func start(
        listen: String, catalog: AvroSchemaCatalog, writable: Bool = false, keeper: StateKeeper? = nil,
        log: (String) -> Void
    ) throws(CDCError) -> RegistryServer {
        var persist: (@Sendable (AvroSchemaRecord) throws(CDCError) -> Void)?
        if writable {
            guard let keeper else {
                throw CDCError(.usage, "--registry-writable needs --state DIR: registered schema ids must be saved")
            }
            persist = { record throws(CDCError) in try keeper.saveAvroSchemas([record]) }
        }
        let (host, port) = try parse(listen)
        let fd = try bind(host: host, port: port, listen: listen)
        let server = RegistryServer(socket: fd, address: listen, catalog: catalog, persist: persist)
        let box = Unmanaged.passRetained(server)
        var thread = pthread_t()
        let started = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                let server = Unmanaged<RegistryServer>.fromOpaque(argument).takeRetainedValue()
                server.serve()
                return nil
            }, box.toOpaque())
        guard started == 0 else {
            box.release()
            close(fd)
            throw CDCError(.io, "--registry-listen \(listen): cannot start the registry thread (error \(started))")
        }
        pthread_detach(thread)
        log(
            "schema registry (\(writable ? "read-write" : "read-only"), Confluent REST) listening on "
                + "http://\(display(host: host, port: port))")
        return server
    }

    /// Stops accepting (within about 100 ms) and closes the listening socket.
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        for _ in 0..<50 where !finished.load(ordering: .sequentiallyConsistent) { usleep(20_000) }
    }

    // MARK: - Address

    static func parse(_ listen: String) throws(CDCError) -> (host: String, port: UInt16) {
        let text = Substring(listen)
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw usage(listen, "an IPv6 address goes in brackets: [::1]:8081")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw usage(listen, "an IPv6 address goes in brackets: [::1]:8081") }
        } else {
            host = ""
            portText = text
        }
        if host.isEmpty { host = "127.0.0.1" }
        guard let port = UInt16(portText), port > 0 else {
            throw usage(listen, "the port must be a number from 1 to 65535 (use HOST:PORT, e.g. 127.0.0.1:8081)")
        }
        return (String(host), port)
    }

    private static func display(host: String, port: UInt16) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func usage(_ listen: String, _ message: String) -> CDCError {
        CDCError(.usage, "--registry-listen \(listen): \(message)")
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    private static func bind(host: String, port: UInt16, listen: String) throws(CDCError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            let reason = gai_strerror(resolved).map { String(cString: $0) } ?? "error \(resolved)"
            throw usage(listen, "cannot resolve host \(host): \(reason)")
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
            throw usage(listen, "the address is already in use (another process listens there): choose another port")
        case EADDRNOTAVAIL:
            throw usage(listen, "\(host) is not an address of this machine")
        case EACCES:
            throw usage(listen, "permission denied (ports below 1024 need privileges)")
        default:
            throw usage(listen, "cannot \(lastStep): \(errorText(lastError))")
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
                    ErrorReporter.printStderr("binlog-sink: schema registry: accept failed: \(Self.errorText(code))")
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
                respond(client, status: 431, body: Self.errorBody(431, "Request header fields too large"), head: false)
                drain(client)
                return
            }
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }  // closed, reset or timed out before a whole request head
            request += chunk[0..<count]
        }
        if let end = Self.headEnd(request), end > Self.maxRequestBytes {
            respond(client, status: 431, body: Self.errorBody(431, "Request header fields too large"), head: false)
            return
        }
        let lineEnd = request.firstIndex(of: UInt8(ascii: "\r")) ?? request.count
        let parts = request[..<lineEnd].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard parts.count == 3, parts[2].starts(with: Array("HTTP/1.".utf8)),
            let method = String(validating: parts[0], as: UTF8.self),
            let target = String(validating: parts[1], as: UTF8.self), target.hasPrefix("/")
        else {
            respond(client, status: 400, body: Self.errorBody(400, "Bad request"), head: false)
            drain(client)
            return
        }
        if method == "POST", let persist {
            guard let end = Self.headEnd(request), let body = readBody(client, request: request, headEnd: end) else {
                drain(client)
                return
            }
            let answer =
                RegistryWriteRoutes.respond(
                    method: method, path: target, body: body, catalog: catalog, persist: persist)
                ?? (404, Self.errorBody(404, "HTTP 404 Not Found"))
            respond(client, status: answer.status, body: answer.body, head: false)
            return
        }
        if method == "GET" || method == "HEAD",
            let answer = RegistryWriteRoutes.respond(
                method: method, path: target, body: [], catalog: catalog, persist: { _ throws(CDCError) in })
        {
            respond(client, status: answer.status, body: answer.body, head: method == "HEAD")
            return
        }
        guard method == "GET" || method == "HEAD" else {
            let hint = persist == nil ? "this registry is read-only (run with --registry-writable to register)" : ""
            respond(
                client, status: 405,
                body: Self.errorBody(405, "HTTP method \(method) not allowed: \(hint)"),
                head: false, allow: true)
            drain(client)
            return
        }
        let answer = ConfluentRegistryRoutes.respond(method: method, path: target, catalog: catalog)
        respond(client, status: answer.status, body: answer.body, head: method == "HEAD")
    }

    /// The request body (`Content-Length` bytes after the head), answering `100 Continue` when the client waits for
    /// it; nil after answering the error (no length, chunked, too large, or the client stopped sending).
    private func readBody(_ client: Int32, request: [UInt8], headEnd: Int) -> [UInt8]? {
        let head = String(decoding: request[..<headEnd], as: UTF8.self).lowercased()
        var length: Int?
        var expectContinue = false
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name {
            case "content-length": length = Int(value)
            case "transfer-encoding" where value != "identity":
                respond(client, status: 411, body: Self.errorBody(411, "Send a Content-Length body"), head: false)
                return nil
            case "expect" where value == "100-continue": expectContinue = true
            default: break
            }
        }
        guard let length, length >= 0 else {
            respond(client, status: 411, body: Self.errorBody(411, "Send a Content-Length body"), head: false)
            return nil
        }
        guard length <= Self.maxBodyBytes else {
            respond(
                client, status: 413, body: Self.errorBody(413, "Request body over \(Self.maxBodyBytes) bytes"),
                head: false)
            return nil
        }
        var body = Array(request[headEnd...].prefix(length))
        if body.count < length, expectContinue {
            let line = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            _ = line.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        var chunk = [UInt8](repeating: 0, count: 16384)
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.bodyTimeoutSeconds * 1_000_000_000
        while body.count < length {
            guard DispatchTime.now().uptimeNanoseconds < deadline else { return nil }
            let count = chunk.withUnsafeMutableBytes {
                recv(client, $0.baseAddress, min($0.count, length - body.count), 0)
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }  // closed or timed out mid-body: nothing to answer
            body += chunk[0..<count]
        }
        return body
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

    private static func errorBody(_ code: Int, _ message: String) -> String {
        "{\"error_code\":\(code),\"message\":\"\(message)\"}"
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 500: return "Internal Server Error"
        case 422: return "Unprocessable Entity"
        case 431: return "Request Header Fields Too Large"
        default: return "Error"
        }
    }

    private func respond(_ client: Int32, status: Int, body: String, head: Bool, allow: Bool = false) {
        let bodyBytes = Array(body.utf8)
        var text = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        text += "Content-Type: \(ConfluentRegistryRoutes.contentType)\r\n"
        text += "Content-Length: \(bodyBytes.count)\r\n"
        if allow { text += persist == nil ? "Allow: GET, HEAD\r\n" : "Allow: GET, HEAD, POST\r\n" }
        text += "Connection: close\r\n\r\n"
        var bytes = Array(text.utf8)
        if !head { bytes += bodyBytes }
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
