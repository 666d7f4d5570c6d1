import CDCCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--sink http://HOST[:PORT][/PATH]`: POSTs change records as JSON Lines (`application/x-ndjson`) to an HTTP
/// endpoint. An example of a complete `RecordSink` (examples/custom-sink/README.md), not a shipped sink.
///
/// `write` collects records in memory and POSTs once `maxBodyBytes` are collected; `flush` POSTs the rest and
/// returns once the receiver has answered 2xx for everything: the receiver must answer only after it has stored the
/// body, since the pipeline saves its checkpoint when `flush` returns. Connection failures, timeouts, 408, 429 and
/// 5xx are temporary: the same body is sent again with a backoff (0.5 s doubling to 30 s) until it is accepted, so a
/// receiver can see a body twice. Every other status is permanent: `.sink` error, the run stops, nothing after the
/// last checkpoint is saved. Headers `X-Binlog-Sink-First` and `X-Binlog-Sink-Last` carry the de-duplication keys
/// (`file:pos:row`) of the body's first and last record.
///
/// Plain HTTP/1.1, one connection per body (`Connection: close`), no TLS and no credentials.
public final class HTTPSink: RecordSink {
    public let host: String
    public let port: String
    public let path: String
    private let separator: [UInt8]
    private let log: (String) -> Void
    /// A body is sent once it holds this many bytes (bounds memory).
    static let maxBodyBytes = 4 << 20
    /// Send and receive timeout of one exchange.
    static let timeoutSeconds = 30
    private var body: [UInt8] = []
    private var firstKey: String?
    private var lastKey: String?

    /// `url` is `http://HOST[:PORT][/PATH]` (IPv6 as `[::1]`); `separator` the format's line separator.
    public init(url: String, separator: [UInt8], log: @escaping (String) -> Void) throws(CDCError) {
        guard url.hasPrefix("http://") else {
            throw CDCError(.usage, "--sink \(url): the HTTP sink takes http://HOST[:PORT][/PATH]")
        }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        path = rest.count > authority.count ? String(rest.dropFirst(authority.count)) : "/"
        guard !authority.contains("@") else {
            throw CDCError(.usage, "--sink http://…: credentials in the URL are not supported (they would show in ps)")
        }
        var hostPart = Substring(authority)
        var portPart: Substring = "80"
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else {
                throw CDCError(.usage, "--sink \(url): unterminated IPv6 address (use http://[::1]:8080/path)")
            }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty, let number = UInt16(portPart), number > 0 else {
            throw CDCError(.usage, "--sink \(url): give a host and a port from 1 to 65535, e.g. http://127.0.0.1:8080/")
        }
        host = String(hostPart)
        port = String(portPart)
        self.separator = separator
        self.log = log
    }

    public var description: String {
        "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)"
    }

    /// Records are posted as they are; no message keys needed.
    public var wantsKeys: Bool { false }

    public func write(_ batch: RecordBatch) throws(CDCError) {
        // A batch may carry only commits (transactions without captured rows): nothing to send.
        for record in batch.records {
            body.append(contentsOf: batch.value(record))
            body.append(contentsOf: separator)
            if firstKey == nil { firstKey = batch.dedupKey(record) }
        }
        if let last = batch.records.last { lastKey = batch.dedupKey(last) }
        if body.count >= Self.maxBodyBytes { try send() }
    }

    public func flush() throws(CDCError) {
        try send()
    }

    public func close() throws(CDCError) {
        // The pipeline flushed before closing; anything left here was never acknowledged and is not checkpointed.
        body = []
    }

    /// POSTs the collected records until the receiver accepts them (or refuses them for good).
    private func send() throws(CDCError) {
        guard !body.isEmpty else { return }
        var attempt = 0
        var delayMilliseconds = 500
        while true {
            switch exchange() {
            case .accepted:
                if attempt > 0 { log("\(description): accepted again after \(attempt) failed attempt(s)") }
                body.removeAll(keepingCapacity: true)
                firstKey = nil
                lastKey = nil
                return
            case .refused(let why):
                throw CDCError(
                    .sink,
                    "\(description): \(why) for records \(firstKey ?? "?") … \(lastKey ?? "?"); the run stops and "
                        + "nothing from them on is checkpointed (fix the receiver, then run again)")
            case .unavailable(let why):
                attempt += 1
                if attempt.nonzeroBitCount == 1 {  // attempts 1, 2, 4, 8, …: the log stays short in long outages
                    log("\(description): \(why); retrying in \(delayMilliseconds) ms (attempt \(attempt))")
                }
                var pause = timespec(tv_sec: delayMilliseconds / 1000, tv_nsec: (delayMilliseconds % 1000) * 1_000_000)
                nanosleep(&pause, nil)
                delayMilliseconds = min(delayMilliseconds * 2, 30_000)
            }
        }
    }

    private enum Outcome {
        case accepted
        case refused(String)
        case unavailable(String)
    }

    /// One connection, one request, one status line.
    private func exchange() -> Outcome {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var addresses: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, port, &hints, &addresses)
        guard resolved == 0, let first = addresses else {
            return .unavailable("cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(addresses) }
        var descriptor: Int32 = -1
        var failure = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate, descriptor < 0 {
            candidate = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            var timeout = timeval(tv_sec: Self.timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 {
                descriptor = fd
            } else {
                failure = String(cString: strerror(errno))
                Glibc.close(fd)
            }
        }
        guard descriptor >= 0 else { return .unavailable("cannot connect: \(failure)") }
        defer { Glibc.close(descriptor) }

        var head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/x-ndjson\r\n"
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n"
        head += "X-Binlog-Sink-First: \(firstKey ?? "")\r\nX-Binlog-Sink-Last: \(lastKey ?? "")\r\n\r\n"
        guard sendAll(descriptor, Array(head.utf8)), sendAll(descriptor, body) else {
            return .unavailable("sending failed: \(String(cString: strerror(errno)))")
        }

        // The status line is all we need; read at most 8 KiB of the answer (bounded, whatever the peer sends).
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while answer.count < 8192, !answer.contains(10) {
            let got = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            answer.append(contentsOf: chunk[0..<got])
        }
        let statusLine = String(decoding: answer.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            return .unavailable(answer.isEmpty ? "no answer" : "not an HTTP answer: \(statusLine.prefix(80))")
        }
        switch status {
        case 200..<300: return .accepted
        case 408, 429, 500..<600: return .unavailable("HTTP \(status)")
        default: return .refused("HTTP \(status) (\(statusLine.prefix(120)))")
        }
    }

    private func sendAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count, let base = raw.baseAddress {
                let wrote = Glibc.send(descriptor, base + done, raw.count - done, Int32(MSG_NOSIGNAL))
                if wrote < 0 && errno == EINTR { continue }
                guard wrote > 0 else { return false }
                done += wrote
            }
            return true
        }
    }
}
