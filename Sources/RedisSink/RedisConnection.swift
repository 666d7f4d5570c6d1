import CHiredis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One blocking hiredis connection (`redisContext`), freed in deinit. Commands are appended to hiredis's output
/// buffer as RESP bytes and replies read one at a time, so that many commands are in flight (pipelining).
/// Every call blocks: use it from a thread that may block, never from Swift concurrency's cooperative pool.
final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>
    /// Pipelined replies (`readPipelinedReply`), read from the socket directly once the handshake is done.
    private var replies = RedisReplyReader()

    /// hiredis writes with write(2): a connection the server closed would raise SIGPIPE and end the process.
    private static let brokenPipeIgnored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Connects (TCP), with `connectTimeout` for the connection and `commandTimeout` for every read and write.
    init(host: String, port: Int, connectTimeout: Double, commandTimeout: Double) throws(RedisFailure) {
        _ = Self.brokenPipeIgnored
        guard let context = redisConnectWithTimeout(host, Int32(port), Self.timeout(connectTimeout)) else {
            throw .connection("out of memory allocating a hiredis context")
        }
        self.context = context
        if context.pointee.err != 0 {
            throw .connection(errorText)
        }
        _ = redisSetTimeout(context, Self.timeout(commandTimeout))
        _ = redisEnableKeepAlive(context)
    }

    deinit { redisFree(context) }

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
            let status = bytes.withUnsafeBytes { raw -> Int32 in
                guard let base = raw.baseAddress else { return REDIS_OK }
                // hiredis appends the bytes as they are: a command may be split across appends.
                return redisAppendFormattedCommand(
                    context, (base + start).assumingMemoryBound(to: CChar.self), end - start)
            }
            if status != REDIS_OK { throw .connection(errorText) }
            if end < bytes.count { try send() }
            start = end
        } while start < bytes.count
    }

    static let pieceBytes = 1 << 20

    /// Writes the whole output buffer to the socket.
    func send() throws(RedisFailure) {
        var done: Int32 = 0
        while done == 0 {
            if redisBufferWrite(context, &done) != REDIS_OK { throw .connection(errorText) }
        }
    }

    /// The next reply: sends what is buffered first, then reads until a whole reply has arrived.
    /// The next reply, through hiredis (the handshake's commands).
    func readReply() throws(RedisFailure) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw .connection(errorText) }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Sends one command and waits for its reply.
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
            try receive()
        }
    }

    /// Reads what the server sent (waiting up to the command timeout).
    private func receive() throws(RedisFailure) {
        let descriptor = context.pointee.fd
        let received = withUnsafeTemporaryAllocation(byteCount: 1 << 16, alignment: 16) { space -> Int in
            while true {
                let count = read(descriptor, space.baseAddress, space.count)
                if count < 0, errno == EINTR { continue }
                if count > 0 { replies.append(UnsafeRawBufferPointer(rebasing: space[0..<count])) }
                return count < 0 ? -Int(errno) : count
            }
        }
        if received == 0 { throw .connection("the server closed the connection") }
        if received < 0 {
            let code = Int32(-received)
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
