import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal RESP2 client for the tests: one blocking TCP connection to a redis-server on 127.0.0.1, commands sent
/// as arrays of bulk strings, replies parsed exactly (binary-safe, unlike `redis-cli` output). Pipelining is
/// `pipeline(_:)`: every command written, then every reply read.
final class LiveRedisClient {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    enum Reply: CustomStringConvertible {
        case status(String)
        case error(String)
        case integer(Int)
        case bulk([UInt8]?)
        case array([Reply]?)

        var bytes: [UInt8]? {
            if case .bulk(let bytes) = self { return bytes }
            return nil
        }
        var text: String? {
            switch self {
            case .bulk(let bytes?): return String(decoding: bytes, as: UTF8.self)
            case .status(let text): return text
            default: return nil
            }
        }
        var items: [Reply]? {
            if case .array(let items) = self { return items }
            return nil
        }
        var integer: Int? {
            if case .integer(let value) = self { return value }
            return nil
        }
        var errorMessage: String? {
            if case .error(let message) = self { return message }
            return nil
        }

        var description: String {
            switch self {
            case .status(let text): return "+\(text)"
            case .error(let text): return "-\(text)"
            case .integer(let value): return ":\(value)"
            case .bulk(let bytes?): return "\"\(String(decoding: bytes.prefix(200), as: UTF8.self))\""
            case .bulk(nil): return "(nil)"
            case .array(let items?): return "[\(items.prefix(10).map(\.description).joined(separator: ", "))]"
            case .array(nil): return "(nil array)"
            }
        }
    }

    /// One stream entry: Redis's id and the field/value pairs in order.
    struct StreamEntry {
        var id: String
        var fields: [(name: String, value: [UInt8])]
        func field(_ name: String) -> [UInt8]? { fields.first { $0.name == name }?.value }
    }

    /// `$BINLOG_SINK_TEST_REDIS_PORT`: the redis-server scripts/test starts.
    static var environmentPort: Int? {
        ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_REDIS_PORT"].flatMap { Int($0) }
    }

    let port: Int
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var index = 0

    /// Connects to 127.0.0.1:`port` and selects `database`.
    convenience init(port: Int, database: Int = 0, timeout: TimeInterval = 30) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(message: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw Failure(message: "cannot connect to redis on 127.0.0.1:\(port): errno \(code)")
        }
        try self.init(descriptor: fd, port: port, database: database, timeout: timeout)
    }

    /// Connects to the server's unix socket at `path` (a TLS server's plain way in for the test) and selects
    /// `database`.
    convenience init(unixSocket path: String, database: Int = 0, timeout: TimeInterval = 30) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(message: "socket() failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw Failure(message: "unix socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw Failure(message: "cannot connect to redis on \(path): errno \(code)")
        }
        try self.init(descriptor: fd, port: 0, database: database, timeout: timeout)
    }

    private init(descriptor fd: Int32, port: Int, database: Int, timeout: TimeInterval) throws {
        self.port = port
        var interval = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        descriptor = fd
        if database != 0 {
            let reply = try command(["SELECT", String(database)])
            if let message = reply.errorMessage { throw Failure(message: "SELECT \(database): \(message)") }
        }
    }

    deinit { close(descriptor) }

    /// Whether a server answers PING on 127.0.0.1:`port`.
    static func ping(port: Int) -> Bool {
        guard let client = try? LiveRedisClient(port: port, timeout: 2) else { return false }
        return (try? client.command(["PING"]))?.text == "PONG"
    }

    // MARK: commands

    @discardableResult
    func command(_ arguments: [String]) throws -> Reply {
        try pipeline([arguments])[0]
    }

    /// Writes every command, then reads one reply per command.
    func pipeline(_ commands: [[String]]) throws -> [Reply] {
        var out: [UInt8] = []
        for arguments in commands {
            out += Array("*\(arguments.count)\r\n".utf8)
            for argument in arguments {
                let bytes = Array(argument.utf8)
                out += Array("$\(bytes.count)\r\n".utf8)
                out += bytes
                out += [13, 10]
            }
        }
        var offset = 0
        while offset < out.count {
            let written = out[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw Failure(message: "send to redis failed: errno \(errno)") }
            offset += written
        }
        return try commands.map { _ in try readReply() }
    }

    /// Every key matching the glob `pattern` (SCAN, optionally of one TYPE).
    func keys(matching pattern: String, type: String? = nil) throws -> [String] {
        var cursor = "0"
        var found: [String] = []
        repeat {
            var arguments = ["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"]
            if let type { arguments += ["TYPE", type] }
            let reply = try command(arguments)
            guard let parts = reply.items, parts.count == 2, let next = parts[0].text, let names = parts[1].items
            else {
                throw Failure(message: "unexpected SCAN reply \(reply)")
            }
            found += names.compactMap(\.text)
            cursor = next
        } while cursor != "0"
        return Set(found).sorted()
    }

    /// `XRANGE key - +`: the whole stream, oldest first (`reverse`: `XREVRANGE`, newest first; `count`: at most
    /// that many).
    func streamEntries(_ key: String, reverse: Bool = false, count: Int? = nil) throws -> [StreamEntry] {
        var arguments = reverse ? ["XREVRANGE", key, "+", "-"] : ["XRANGE", key, "-", "+"]
        if let count { arguments += ["COUNT", String(count)] }
        let reply = try command(arguments)
        guard let items = reply.items else { throw Failure(message: "XRANGE \(key): \(reply)") }
        return try items.map { item in
            guard let parts = item.items, parts.count == 2, let id = parts[0].text, let values = parts[1].items,
                values.count % 2 == 0
            else {
                throw Failure(message: "unexpected XRANGE entry \(item)")
            }
            var fields: [(name: String, value: [UInt8])] = []
            for pair in stride(from: 0, to: values.count, by: 2) {
                guard let name = values[pair].text, let value = values[pair + 1].bytes else {
                    throw Failure(message: "unexpected XRANGE field in \(item)")
                }
                fields.append((name, value))
            }
            return StreamEntry(id: id, fields: fields)
        }
    }

    /// `HGETALL` of each key (pipelined): field name → value bytes, in the server's order.
    func hashes(_ keys: [String]) throws -> [String: [(name: String, value: [UInt8])]] {
        var result: [String: [(name: String, value: [UInt8])]] = [:]
        var start = 0
        while start < keys.count {
            let chunk = Array(keys[start..<min(start + 500, keys.count)])
            let replies = try pipeline(chunk.map { ["HGETALL", $0] })
            for (key, reply) in zip(chunk, replies) {
                guard let values = reply.items, values.count % 2 == 0 else {
                    throw Failure(message: "HGETALL \(key): \(reply)")
                }
                var fields: [(name: String, value: [UInt8])] = []
                for pair in stride(from: 0, to: values.count, by: 2) {
                    guard let name = values[pair].text, let value = values[pair + 1].bytes else {
                        throw Failure(message: "unexpected HGETALL field of \(key): \(reply)")
                    }
                    fields.append((name, value))
                }
                result[key] = fields
            }
            start += chunk.count
        }
        return result
    }

    /// Deletes every key matching `pattern` (cleanup).
    func deleteKeys(matching pattern: String) throws {
        let found = try keys(matching: pattern)
        var start = 0
        while start < found.count {
            try command(["UNLINK"] + Array(found[start..<min(start + 500, found.count)]))
            start += 500
        }
    }

    // MARK: reading replies

    private func fill() throws {
        if index > 0 && index == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            index = 0
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else {
            throw Failure(
                message: count == 0 ? "redis closed the connection" : "recv from redis failed: errno \(errno)")
        }
        buffer += chunk[0..<count]
    }

    private func line() throws -> String {
        while true {
            if let end = buffer[index...].firstIndex(of: 10), end > index, buffer[end - 1] == 13 {
                let text = String(decoding: buffer[index..<(end - 1)], as: UTF8.self)
                index = end + 1
                return text
            }
            try fill()
        }
    }

    private func bytes(_ count: Int) throws -> [UInt8] {
        while buffer.count - index < count + 2 { try fill() }
        let value = Array(buffer[index..<(index + count)])
        index += count + 2
        return value
    }

    private func readReply() throws -> Reply {
        let header = try line()
        guard let kind = header.first else { throw Failure(message: "empty reply line") }
        let rest = String(header.dropFirst())
        switch kind {
        case "+": return .status(rest)
        case "-": return .error(rest)
        case ":":
            guard let value = Int(rest) else { throw Failure(message: "bad integer reply \(header)") }
            return .integer(value)
        case "$":
            guard let length = Int(rest) else { throw Failure(message: "bad bulk header \(header)") }
            return .bulk(length < 0 ? nil : try bytes(length))
        case "*":
            guard let count = Int(rest) else { throw Failure(message: "bad array header \(header)") }
            if count < 0 { return .array(nil) }
            return .array(try (0..<count).map { _ in try readReply() })
        default:
            throw Failure(message: "unexpected reply line \(header.prefix(100))")
        }
    }
}
