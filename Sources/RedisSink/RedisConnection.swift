import CHiredis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One blocking connection to Redis, plain or TLS, freed in deinit. hiredis opens the TCP socket (`redisContext`:
/// address lookup, connect timeout, keepalive) and parses the handshake's replies (its reply reader, fed here);
/// bytes go through the socket itself or, for `rediss://`, a `RedisTLSSession` over it. Commands are appended to an
/// output buffer as RESP bytes and replies read one at a time, so that many commands are in flight (pipelining).
/// Every call blocks: use it from a thread that may block, never from Swift concurrency's cooperative pool.
final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>
    /// The TLS session over `context`'s socket, nil for plain TCP. Declared after `context`: freed first.
    private var tls: RedisTLSSession?
    /// Appended commands not written yet.
    private var output: [UInt8] = []
    /// Pipelined replies (`readPipelinedReply`), read from the socket directly once the handshake is done.
    private var replies = RedisReplyReader()

    /// Writes to a closed connection must not raise SIGPIPE and end the process.
    private static let brokenPipeIgnored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Connects (TCP, then the TLS handshake when `tls` is given), with `connectTimeout` for the connection and the
    /// handshake and `commandTimeout` for every read and write after.
    init(
        host: String, port: Int, connectTimeout: Double, commandTimeout: Double, tls: RedisTLSContext? = nil
    ) throws(RedisFailure) {
        _ = Self.brokenPipeIgnored
        guard let context = redisConnectWithTimeout(host, Int32(port), Self.timeout(connectTimeout)) else {
            throw .connection("out of memory allocating a hiredis context")
        }
        self.context = context
        if context.pointee.err != 0 {
            throw .connection(errorText)
        }
        _ = redisEnableKeepAlive(context)
        if let tls {
            _ = redisSetTimeout(context, Self.timeout(connectTimeout))
            self.tls = try RedisTLSSession(context: tls, descriptor: context.pointee.fd, host: host, port: port)
        }
        _ = redisSetTimeout(context, Self.timeout(commandTimeout))
    }

    deinit {
        tls = nil
        redisFree(context)
    }

    /// What hiredis says about the last failure ("Connection refused", "Connection reset by peer", …).
    var errorText: String {
        let text = withUnsafeBytes(of: context.pointee.errstr) { raw -> String in
            let bytes = raw.prefix(while: { $0 != 0 })
            return String(decoding: bytes, as: UTF8.self)
        }
        if text.isEmpty { return "connection error \(context.pointee.err)" }
        if context.pointee.err == REDIS_ERR_EOF { return "the server closed the connection" }
        return text
    }

    /// Appends RESP-encoded commands to the output buffer (nothing is sent yet), except that more than
    /// `pieceBytes` go out in pieces of that size, each written before the next is appended: hiredis would otherwise
    /// hold a whole copy of a large block (a 64 MiB BLOB's XADD) in its output buffer.
    func append(_ bytes: [UInt8]) throws(RedisFailure) {
        var start = 0
        repeat {
            let end = bytes.count - start > Self.pieceBytes ? start + Self.pieceBytes : bytes.count
            output.append(contentsOf: bytes[start..<end])
            if end < bytes.count { try send() }
            start = end
        } while start < bytes.count
    }

    static let pieceBytes = 1 << 20

    /// Writes the whole output buffer to the server.
    func send() throws(RedisFailure) {
        guard !output.isEmpty else { return }
        defer { output.removeAll(keepingCapacity: output.count <= 1 << 20) }
        if let tls {
            let failure = output.withUnsafeBytes { raw -> RedisFailure? in
                do throws(RedisFailure) {
                    try tls.write(raw)
                    return nil
                } catch {
                    return error
                }
            }
            if let failure { throw failure }
            return
        }
        let descriptor = context.pointee.fd
        let failure = output.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return 0 }
            var offset = 0
            while offset < raw.count {
                let count = write(descriptor, base + offset, raw.count - offset)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { return count == 0 ? EPIPE : errno }
                offset += count
            }
            return 0
        }
        if failure == EAGAIN || failure == EWOULDBLOCK { throw .connection("cannot write within the command timeout") }
        if failure != 0 { throw .connection(String(cString: strerror(failure))) }
    }

    /// The next reply, through hiredis's reply reader (the handshake's commands). Sends what is appended first.
    func readReply() throws(RedisFailure) -> RedisReply {
        try send()
        let reader = context.pointee.reader
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
                var text = "malformed"
                if let reader: UnsafeMutablePointer<redisReader> = reader {
                    text = withUnsafeBytes(of: reader.pointee.errstr) {
                        String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
                    }
                }
                throw .connection("unreadable reply: \(text)")
            }
            if let raw {
                defer { freeReplyObject(raw) }
                return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
            }
            try receive { bytes in
                _ = redisReaderFeed(reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
            }
        }
    }

    /// The next reply to a pipelined command, read from the socket without hiredis (whose reader holds nothing
    /// once `command` calls are done): bulk string contents are left out. Sends what is appended first.
    func readPipelinedReply() throws(RedisFailure) -> RedisReply {
        try send()
        while true {
            do throws(RedisReplyReader.Failure) {
                if let reply = try replies.next() { return reply }
            } catch {
                if case .malformed(let problem) = error { throw .connection("unreadable reply: \(problem)") }
            }
            try receive { replies.append($0) }
        }
    }

    /// Reads what the server sent (waiting up to the command timeout) and hands it to `deliver`.
    private func receive(_ deliver: (UnsafeRawBufferPointer) -> Void) throws(RedisFailure) {
        let descriptor = context.pointee.fd
        let tls = tls
        let received = withUnsafeTemporaryAllocation(byteCount: 1 << 16, alignment: 16) {
            space -> Result<Int, RedisFailure> in
            if let tls {
                do throws(RedisFailure) {
                    let count = try tls.read(into: space)
                    deliver(UnsafeRawBufferPointer(rebasing: space[0..<count]))
                    return .success(count)
                } catch {
                    return .failure(error)
                }
            }
            while true {
                let count = read(descriptor, space.baseAddress, space.count)
                if count < 0, errno == EINTR { continue }
                if count > 0 { deliver(UnsafeRawBufferPointer(rebasing: space[0..<count])) }
                return .success(count < 0 ? -Int(errno) : count)
            }
        }
        let count: Int
        switch received {
        case .success(let value): count = value
        case .failure(let failure): throw failure
        }
        if count == 0 { throw .connection("the server closed the connection") }
        if count < 0 {
            let code = Int32(-count)
            if code == EAGAIN || code == EWOULDBLOCK { throw .connection("no reply within the command timeout") }
            throw .connection(String(cString: strerror(code)))
        }
    }

    func command(_ arguments: [[UInt8]]) throws(RedisFailure) -> RedisReply {
        var bytes: [UInt8] = []
        RESP.appendCommand(arguments, into: &bytes)
        try append(bytes)
        return try readReply()
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        func raw() -> UnsafeRawBufferPointer {
            guard let str = value.str, value.len > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            return UnsafeRawBufferPointer(start: str, count: value.len)
        }
        switch value.type {
        // Short texts (OK, QUEUED) are stored in the String itself: no allocation.
        case REDIS_REPLY_STATUS: return .status(String(decoding: raw(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: raw(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(Int64(value.integer))
        case REDIS_REPLY_STRING: return .string([UInt8](raw()))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(value.elements)
            if let element = value.element {
                for index in 0..<value.elements {
                    if let child = element[index] {
                        elements.append(convert(child))
                    } else {
                        elements.append(.null)
                    }
                }
            }
            return .array(elements)
        default: return .null
        }
    }

    private static func timeout(_ seconds: Double) -> timeval {
        let whole = seconds.rounded(.down)
        return timeval(tv_sec: Int(whole), tv_usec: Int((seconds - whole) * 1_000_000))
    }
}
