import CDCCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Everything the Redis sink needs to know: where the server is, what to write, and the limits that bound its
/// memory. Parsed from `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?mode=stream|hash&prefix=NAME]`, or `rediss://…`
/// for TLS.
public struct RedisConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The logical database (`SELECT`), 0 by default.
    public var database: Int
    public var mode: RedisMode
    /// The first part of every key: `{prefix}:{db}:{table}` and `{prefix}:position`. `cdc` by default.
    public var prefix: String
    /// The ACL user for `AUTH USER PASSWORD` (Redis 6+); nil: `AUTH PASSWORD` (the default user).
    public var username: String?
    /// Never logged and never part of `description` or an error.
    public var password: String?
    /// Whether the password came from the URL (discouraged: it shows in `ps`); `description` masks it.
    public var passwordInURL: Bool
    /// TLS (`rediss://`): the CAs, the client certificate; nil: plain TCP (`redis://`).
    public var tls: RedisTLSSettings?
    /// Stream mode: `XADD … MAXLEN ~ N` (`--redis-maxlen`).
    public var maxLength: UInt64?

    /// Seconds to wait for a TCP connection.
    public var connectTimeout: Double = 5
    /// Seconds to wait for a reply (or to write) before the connection is taken as lost and re-opened.
    public var commandTimeout: Double = 30
    /// The longest wait between reconnection attempts, in seconds (the wait doubles from 0.1 s up to this).
    public var maxBackoff: Double = 5
    /// Commands and bytes sent whose replies are not read yet: over either, `write` reads replies until under.
    public var maxPendingCommands: Int = 20_000
    public var maxPendingBytes: Int = 64 << 20
    /// A source transaction that grows past this many commands or bytes is sent in several MULTI/EXEC blocks.
    public var maxBlockCommands: Int = 10_000
    public var maxBlockBytes: Int = 16 << 20

    public init(
        host: String, port: Int = 6379, database: Int = 0, mode: RedisMode = .stream, prefix: String = "cdc",
        username: String? = nil, password: String? = nil, maxLength: UInt64? = nil
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.mode = mode
        self.prefix = prefix
        self.username = username
        self.password = password
        self.passwordInURL = false
        self.maxLength = maxLength
    }

    /// Parses `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?mode=stream|hash&prefix=NAME]`; `rediss://` (same
    /// parts) sets `tls` to the defaults (the system's CAs).
    public init(url: String) throws(CDCError) {
        func usage(_ problem: String) -> CDCError {
            CDCError(
                .usage,
                "--sink \(Self.masked(url)): \(problem); use redis://HOST:PORT[/DB][?mode=stream|hash&prefix=NAME] "
                    + "(rediss:// for TLS)")
        }
        guard let scheme = Self.scheme(of: url) else { throw usage("not a redis:// or rediss:// URL") }
        var rest = Substring(url.dropFirst(scheme.count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                let user = userinfo[..<colon]
                guard let decodedUser = Self.percentDecoded(user),
                    let decodedPassword = Self.percentDecoded(userinfo[userinfo.index(after: colon)...])
                else { throw usage("bad percent-encoding in the user or password") }
                username = user.isEmpty ? nil : decodedUser
                password = decodedPassword
            } else {
                guard let decodedUser = Self.percentDecoded(userinfo) else {
                    throw usage("bad percent-encoding in the user name")
                }
                username = userinfo.isEmpty ? nil : decodedUser
            }
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw usage("unterminated [IPv6 address]") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw usage("expected :PORT after ]") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw usage("no host") }
        var port = 6379
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw usage("port \(portText) is not a number from 1 to 65535")
            }
            port = value
        }
        var database = 0
        if !path.isEmpty {
            guard let value = Int(path), value >= 0, value <= 1_000_000 else {
                throw usage("database /\(path) is not a number (0 to 15 on a default server)")
            }
            database = value
        }
        var mode = RedisMode.stream
        var prefix = "cdc"
        for parameter in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0]
            let value = parts.count > 1 ? parts[1] : ""
            switch name {
            case "mode":
                guard let parsed = RedisMode(rawValue: String(value)) else {
                    throw usage("mode=\(value): use mode=stream or mode=hash")
                }
                mode = parsed
            case "prefix":
                guard let decoded = Self.percentDecoded(value), !decoded.isEmpty,
                    decoded.utf8.allSatisfy({ $0 > 32 && $0 != 127 })
                else { throw usage("prefix=\(value): use a non-empty key prefix without spaces") }
                prefix = decoded
            default:
                throw usage("unknown parameter \(name) (the parameters are mode and prefix)")
            }
        }
        self.init(
            host: String(host), port: port, database: database, mode: mode, prefix: prefix, username: username,
            password: password)
        self.passwordInURL = password != nil
        if scheme == "rediss://" { tls = RedisTLSSettings() }
    }

    /// `redis://` or `rediss://` when `url` starts with one of them.
    public static func scheme(of url: String) -> String? {
        ["redis://", "rediss://"].first { url.hasPrefix($0) }
    }

    /// `redis://HOST:PORT/DB?mode=…`, with a password from the URL shown as `***` (never the password itself).
    public var description: String {
        var text = tls == nil ? "redis://" : "rediss://"
        if let username {
            text += username
            if password != nil, passwordInURL { text += ":***" }
            text += "@"
        } else if password != nil, passwordInURL {
            text += ":***@"
        }
        text += host.contains(":") ? "[\(host)]" : host
        text += ":\(port)/\(database)?mode=\(mode.rawValue)"
        if prefix != "cdc" { text += "&prefix=\(prefix)" }
        return text
    }

    /// Sets `password` from `--redis-password-file` (first), else keeps the URL's, else `REDISCLI_AUTH`.
    public mutating func resolvePassword(passwordFile: String?, environment: [String: String]) throws(CDCError) {
        if let passwordFile {
            var text = try Self.readSmallFile(passwordFile)
            while let last = text.last, last == "\n" || last == "\r" { text.removeLast() }
            password = text
            passwordInURL = false
            return
        }
        if password != nil { return }
        if let value = environment["REDISCLI_AUTH"], !value.isEmpty { password = value }
    }

    /// The URL with any password replaced by `***`, for error messages about the URL itself.
    static func masked(_ url: String) -> String {
        guard let scheme = scheme(of: url) else { return url }
        let rest = url.dropFirst(scheme.count)
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        let userinfo = rest[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return scheme + userinfo[..<colon] + ":***" + rest[at...]
    }

    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.popFirst().flatMap(Self.hexValue),
                let low = iterator.popFirst().flatMap(Self.hexValue)
            else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func readSmallFile(_ path: String) throws(CDCError) -> String {
        guard let file = fopen(path, "rb") else {
            throw CDCError(
                .usage, "cannot read --redis-password-file \(path): check that it exists and is readable")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > 1 << 16 {
                throw CDCError(.usage, "--redis-password-file \(path) is larger than 64 KiB: is it the right file?")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
