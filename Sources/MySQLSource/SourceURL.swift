/// Where the live source connects: `mysql://USER@HOST:PORT` or `mariadb://USER@HOST:PORT` (port 3306 by default).
///
/// A password may be written in the URL (`mysql://USER:PASSWORD@HOST`), but that is discouraged: it shows in
/// `ps` and shell history. Prefer the `MYSQL_PWD` environment variable or `--password-file`. The password never
/// appears in `description`, which masks it.
public struct SourceURL: Sendable, Equatable, CustomStringConvertible {
    public enum Flavor: String, Sendable { case mysql, mariadb }

    public var flavor: Flavor
    public var user: String
    public var password: String?
    public var host: String
    public var port: UInt16

    public static let defaultPort: UInt16 = 3306

    public init(flavor: Flavor, user: String, password: String?, host: String, port: UInt16 = SourceURL.defaultPort) {
        self.flavor = flavor
        self.user = user
        self.password = password
        self.host = host
        self.port = port
    }

    /// Parses a source URL. Errors never repeat the URL's text (it may hold a password).
    public init(parsing text: String) throws(MySQLSourceError) {
        let example = "expected mysql://USER@HOST[:PORT] or mariadb://USER@HOST[:PORT]"
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else {
            throw MySQLSourceError("--source is not a URL: \(example)")
        }
        let scheme = text[..<colon].lowercased()
        guard let flavor = Flavor(rawValue: scheme) else {
            throw MySQLSourceError("--source has the scheme '\(scheme)': \(example)")
        }
        var rest = text[colon...].dropFirst(3)
        // A trailing "/" (or "/database") is accepted and ignored; query strings are not supported.
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if rest.contains("?") { throw MySQLSourceError("--source must not have a query string: \(example)") }
        guard let at = rest.lastIndex(of: "@") else {
            throw MySQLSourceError("--source has no user: \(example)")
        }
        let userInfo = rest[..<at]
        let hostPort = rest[rest.index(after: at)...]
        var user = Substring(userInfo)
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            user = userInfo[..<colon]
            password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], what: "password")
        }
        let decodedUser = try Self.percentDecoded(user, what: "user")
        guard !decodedUser.isEmpty else { throw MySQLSourceError("--source has an empty user: \(example)") }
        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            // IPv6 literal: [::1]:3306
            guard let close = hostPort.firstIndex(of: "]") else {
                throw MySQLSourceError("--source has an unterminated IPv6 address: \(example)")
            }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw MySQLSourceError("--source has text after the IPv6 address: \(example)")
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw MySQLSourceError("--source has no host: \(example)") }
        var port = Self.defaultPort
        if let portText {
            guard let value = UInt16(portText), value > 0 else {
                throw MySQLSourceError("--source has the port '\(portText)', not a number from 1 to 65535")
            }
            port = value
        }
        self.init(flavor: flavor, user: decodedUser, password: password, host: String(host), port: port)
    }

    /// The URL with the password masked.
    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "\(flavor.rawValue)://\(user)\(password == nil ? "" : ":***")@\(hostText):\(port)"
    }

    /// `USER@HOST:PORT`, for messages.
    public var endpoint: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "\(user)@\(hostText):\(port)"
    }

    static func percentDecoded(_ text: Substring, what: String) throws(MySQLSourceError) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard utf8.count >= 2, let high = hexValue(utf8[utf8.startIndex]),
                    let low = hexValue(utf8[utf8.startIndex + 1])
                else {
                    throw MySQLSourceError("--source has a bad percent escape in the \(what)")
                }
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
