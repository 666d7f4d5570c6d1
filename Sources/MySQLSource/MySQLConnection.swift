import CMariaDB
import CShims

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the connection uses TLS (`--tls`), mapped to Connector/C options:
///
/// | mode              | Connector/C                                                                  |
/// |-------------------|------------------------------------------------------------------------------|
/// | `disabled`        | `MYSQL_OPT_SSL_ENFORCE` off, no TLS files                                    |
/// | `preferred`       | `MYSQL_OPT_SSL_ENFORCE` on: TLS when the server offers it, plain otherwise   |
/// | `required`        | as `preferred`, then the tool refuses a connection without a cipher          |
/// |                   | (neither checks the server's certificate)                                    |
/// | `verify-ca`       | + `MYSQL_OPT_SSL_VERIFY_SERVER_CERT` (needs `--tls-ca`)                      |
/// | `verify-identity` | same as `verify-ca`: Connector/C 3.3 checks the CA and the host name together |
///
/// Connector/C 3.3's `MYSQL_OPT_SSL_ENFORCE` only asks for TLS: without `MYSQL_OPT_SSL_VERIFY_SERVER_CERT` it
/// connects in plain text to a server that offers none, hence the tool's own check for `required`. And it sets the
/// same flag `mysql_ssl_set` does, so leaving it off (as `preferred` once did) means no TLS at all.
public enum TLSMode: String, Sendable, CaseIterable {
    case disabled, preferred, required
    case verifyCA = "verify-ca"
    case verifyIdentity = "verify-identity"
}

/// Everything needed to connect, except the URL. Never printed (it may hold the password).
public struct ConnectionOptions: Sendable {
    public var password: String?
    public var tls: TLSMode = .preferred
    public var tlsCA: String?
    public var tlsCert: String?
    public var tlsKey: String?
    /// Seconds.
    public var connectTimeout: UInt32 = 10
    /// Seconds a read may wait for the server (0: forever). The replication stream sets it from the heartbeat.
    public var readTimeout: UInt32 = 60
    public var writeTimeout: UInt32 = 60

    public init() {}

    /// The password: `--password-file` first, then the URL's, then `MYSQL_PWD`.
    public static func resolvePassword(
        url: SourceURL, passwordFile: String?, environment: [String: String]
    ) throws(MySQLSourceError) -> String? {
        if let passwordFile {
            var text = try readSmallFile(passwordFile)
            while let last = text.last, last == "\n" || last == "\r" { text.removeLast() }
            return text
        }
        if let password = url.password { return password }
        return environment["MYSQL_PWD"]
    }

    static func readSmallFile(_ path: String) throws(MySQLSourceError) -> String {
        guard let file = fopen(path, "rb") else {
            throw MySQLSourceError("cannot read --password-file \(path)", hint: "check that it exists and is readable")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > 1 << 16 {
                throw MySQLSourceError("--password-file \(path) is larger than 64 KiB: is it the right file?")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One connection to a server (`MYSQL*`), freed in deinit. Every call blocks: call it from a thread that may block
/// (the command's thread), never from Swift concurrency's cooperative pool.
public final class MySQLConnection {
    let handle: UnsafeMutablePointer<MYSQL>
    public let url: SourceURL

    private static let libraryInitialized: Bool = cshims_library_init() == 0

    public init(url: SourceURL, options: ConnectionOptions) throws(MySQLSourceError) {
        guard Self.libraryInitialized, let handle = mysql_init(nil) else {
            throw MySQLSourceError("cannot initialize the MySQL client library (out of memory?)")
        }
        self.handle = handle
        self.url = url
        try configure(options)
        let connected = url.host.withCString { host in
            url.user.withCString { user in
                withOptionalCString(options.password) { password in
                    mysql_real_connect(handle, host, user, password, nil, UInt32(url.port), nil, 0)
                }
            }
        }
        if connected == nil {
            throw connectError(options)
        }
        if options.tls != .disabled && options.tls != .preferred && cipher == nil {
            throw TLSRefusal.serverWithoutTLS.error(url: url, options: options)
        }
        _ = try query("SET NAMES utf8mb4")
    }

    deinit {
        mysql_close(handle)
    }

    private func configure(_ options: ConnectionOptions) throws(MySQLSourceError) {
        var connectTimeout = options.connectTimeout
        var readTimeout = options.readTimeout
        var writeTimeout = options.writeTimeout
        mysql_options(handle, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        if readTimeout > 0 { mysql_options(handle, MYSQL_OPT_READ_TIMEOUT, &readTimeout) }
        if writeTimeout > 0 { mysql_options(handle, MYSQL_OPT_WRITE_TIMEOUT, &writeTimeout) }
        switch options.tls {
        case .disabled:
            if options.tlsCA != nil || options.tlsCert != nil || options.tlsKey != nil {
                throw MySQLSourceError(
                    "--tls disabled with TLS files given", hint: "drop the files or choose a TLS mode")
            }
            var enforce: my_bool = 0
            mysql_options(handle, MYSQL_OPT_SSL_ENFORCE, &enforce)
            return
        case .verifyCA, .verifyIdentity:
            if options.tlsCA == nil {
                throw MySQLSourceError(
                    "--tls \(options.tls.rawValue) needs the CA certificate", hint: "give it with --tls-ca FILE")
            }
        case .preferred, .required:
            break
        }
        try TLSRefusal.checkFiles(options)
        if (options.tlsCert == nil) != (options.tlsKey == nil) {
            throw MySQLSourceError("--tls-cert and --tls-key go together", hint: "give both or neither")
        }
        _ = withOptionalCString(options.tlsKey) { key in
            withOptionalCString(options.tlsCert) { cert in
                withOptionalCString(options.tlsCA) { ca in
                    mysql_ssl_set(handle, key, cert, ca, nil, nil)
                }
            }
        }
        var enforce: my_bool = 1
        mysql_options(handle, MYSQL_OPT_SSL_ENFORCE, &enforce)
        var verify: my_bool = options.tls == .verifyCA || options.tls == .verifyIdentity ? 1 : 0
        mysql_options(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify)
    }

    /// The last error on this connection, with what to do for the common cases.
    public func lastError(_ what: String) -> MySQLSourceError {
        let number = mysql_errno(handle)
        let message = String(cString: mysql_error(handle))
        let state = String(cString: mysql_sqlstate(handle))
        return Self.describe(
            errno: number, sqlState: state == "00000" ? "" : state, serverMessage: message, what: what, url: url)
    }

    private func connectError(_ options: ConnectionOptions) -> MySQLSourceError {
        let number = mysql_errno(handle)
        if number == 2026, let refusal = TLSRefusal.classify(String(cString: mysql_error(handle))) {
            return refusal.error(url: url, options: options, errno: number)
        }
        return lastError("cannot connect to \(url.endpoint)")
    }

    /// The TLS cipher of the connection (nil: not encrypted).
    public var cipher: String? { mysql_get_ssl_cipher(handle).map { String(cString: $0) } }

    /// Builds the error for `errno`, adding the fix for the errors a user can fix.
    public static func describe(
        errno: UInt32, sqlState: String, serverMessage: String, what: String, url: SourceURL
    ) -> MySQLSourceError {
        let user = url.user
        var hint = ""
        var message = "\(what): \(serverMessage)"
        switch errno {
        case 1045:  // ER_ACCESS_DENIED_ERROR
            message = "access denied for \(url.user)@\(url.host)"
            hint = "check MYSQL_PWD / --password-file (and the user's host part on the server)"
        case 1227, 1142, 1143, 1044:  // ER_SPECIFIC_ACCESS_DENIED_ERROR, table/column/db access denied
            hint =
                "missing privilege (named above): the user needs REPLICATION SLAVE, BINLOG MONITOR (MySQL: "
                + "REPLICATION CLIENT) and SELECT on the captured tables; binlog-sink check --source … --include … "
                + "prints the GRANT for '\(user)' (docs/live-source.md#grants)"
        case 2002, 2003:
            hint = "is the server running and listening on \(url.host):\(url.port)?"
        case 2026:
            hint = "the TLS handshake failed: check --tls and the certificate files (or the server's TLS setup)"
        default:
            break
        }
        return MySQLSourceError(message, errno: errno, sqlState: sqlState, hint: hint)
    }

    /// Runs `sql` and returns its rows (NULL as nil), for small admin queries. Statements without a result set
    /// return no rows.
    @discardableResult
    public func query(_ sql: String) throws(MySQLSourceError) -> [[String?]] {
        try queryWithColumns(sql).rows
    }

    /// Runs `sql` and returns the column names and rows.
    public func queryWithColumns(_ sql: String) throws(MySQLSourceError) -> (columns: [String], rows: [[String?]]) {
        let status = sql.withCString { mysql_real_query(handle, $0, UInt(strlen($0))) }
        if status != 0 { throw lastError("query failed (\(Self.firstWords(sql)))") }
        guard let result = mysql_store_result(handle) else {
            if mysql_field_count(handle) != 0 { throw lastError("reading the result failed (\(Self.firstWords(sql)))") }
            return ([], [])
        }
        defer { mysql_free_result(result) }
        let fieldCount = Int(mysql_num_fields(result))
        var columns: [String] = []
        if let fields = mysql_fetch_fields(result) {
            for index in 0..<fieldCount {
                columns.append(fields[index].name.map { String(cString: $0) } ?? "")
            }
        }
        var rows: [[String?]] = []
        while let row = mysql_fetch_row(result) {
            guard let lengths = mysql_fetch_lengths(result) else { break }
            var values: [String?] = []
            values.reserveCapacity(fieldCount)
            for index in 0..<fieldCount {
                if let cell = row[index] {
                    let buffer = UnsafeRawBufferPointer(start: cell, count: Int(lengths[index]))
                    values.append(String(decoding: buffer, as: UTF8.self))
                } else {
                    values.append(nil)
                }
            }
            rows.append(values)
        }
        return (columns, rows)
    }

    /// The first value of the first row (nil when NULL or no row).
    public func scalar(_ sql: String) throws(MySQLSourceError) -> String? {
        try query(sql).first?.first ?? nil
    }

    /// Rows of a query as dictionaries by column name (SHOW statements whose columns differ between versions).
    public func namedRows(_ sql: String) throws(MySQLSourceError) -> [[String: String]] {
        let (columns, rows) = try queryWithColumns(sql)
        return rows.map { row in
            var named: [String: String] = [:]
            for (column, value) in zip(columns, row) { named[column] = value ?? "" }
            return named
        }
    }

    public var serverVersion: String { String(cString: mysql_get_server_info(handle)) }

    /// True for MariaDB servers.
    public var isMariaDB: Bool { serverVersion.lowercased().contains("mariadb") }

    /// A SQL string literal (single quotes, escaped for the connection's character set).
    public func literal(_ text: String) -> String {
        let utf8 = Array(text.utf8)
        var out = [CChar](repeating: 0, count: utf8.count * 2 + 1)
        let length = utf8.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { chars in
                mysql_real_escape_string(handle, &out, chars.baseAddress, UInt(chars.count))
            }
        }
        let bytes = out[0..<Int(length)].map { UInt8(bitPattern: $0) }
        return "'" + String(decoding: bytes, as: UTF8.self) + "'"
    }

    static func firstWords(_ sql: String) -> String {
        let words = sql.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true).prefix(3)
        return words.joined(separator: " ")
    }
}

func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    if let text { return text.withCString { body($0) } }
    return body(nil)
}
