#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a TLS connection to the source was refused, read from Connector/C's error 2026 (CR_SSL_CONNECTION_ERROR) or
/// found by the tool itself, with the message a user can act on: which server, which `--tls` mode, what to change.
///
/// A refusal is final (`MySQLSourceError.isTLSRefusal`): reconnecting cannot make an untrusted certificate trusted,
/// so the replication stream does not retry it. Other 2026 errors (a handshake cut short by a restarting server)
/// stay connection losses.
public enum TLSRefusal: Sendable, Equatable {
    /// The certificate chain does not lead to `--tls-ca` (self-signed, unknown issuer, expired, …).
    case untrusted(String)
    /// The chain is trusted but the certificate does not name the host of the URL.
    case wrongHost
    /// The server does not offer TLS at all.
    case serverWithoutTLS
    /// A client-side TLS file is wrong (a key that does not match the certificate, a file that holds no PEM).
    case clientFiles(String)

    /// Classifies Connector/C's 2026 message ("TLS/SSL error: …"); nil when it is not a refusal.
    public static func classify(_ message: String) -> TLSRefusal? {
        let lower = message.lowercased()
        if lower.contains("validation of ssl server certificate failed") { return .wrongHost }
        if lower.contains("ssl is required, but the server does not support it") { return .serverWithoutTLS }
        if lower.contains("key values mismatch") || lower.contains("no certificate or crl found")
            || lower.contains("no start line") || lower.contains("bad decrypt")
        {
            return .clientFiles(message)
        }
        if lower.contains("certificate") { return .untrusted(message) }
        return nil
    }

    /// The error for this refusal, connecting to `url` with `options`.
    public func error(url: SourceURL, options: ConnectionOptions, errno: UInt32 = 2026) -> MySQLSourceError {
        let mode = options.tls.rawValue
        let context = "cannot connect to \(url.endpoint) with --tls \(mode)"
        let ca = options.tlsCA ?? "(none)"
        var error: MySQLSourceError
        switch self {
        case .untrusted(let library):
            error = MySQLSourceError(
                "\(context): the server's certificate is not trusted (\(library))", errno: errno,
                hint: "give --tls-ca the CA certificate that issued the server's certificate (now: \(ca))")
        case .wrongHost:
            error = MySQLSourceError(
                "\(context): the server's certificate does not name the host \(url.host)", errno: errno,
                hint:
                    "connect with a host name or address the certificate lists (its subjectAltName), or have the "
                    + "server's certificate reissued for \(url.host)")
        case .serverWithoutTLS:
            error = MySQLSourceError(
                "\(context): the server does not offer TLS", errno: errno,
                hint:
                    "enable TLS on the server (ssl_cert, ssl_key, ssl_ca) or, on a trusted network only, use "
                    + "--tls preferred")
        case .clientFiles(let library):
            error = MySQLSourceError(
                "\(context): the client certificate files are not usable (\(library))", errno: errno,
                hint: "check that --tls-cert and --tls-key are PEM files and that the key belongs to the certificate")
        }
        error.isTLSRefusal = true
        return error
    }

    /// `check`'s line about the connection's encryption: ok with a cipher, warn without.
    static func preflightItem(_ connection: MySQLConnection, _ options: ConnectionOptions) -> PreflightItem {
        let mode = options.tls.rawValue
        guard let cipher = connection.cipher else {
            return PreflightItem(
                "tls", .warn, "not encrypted (--tls \(mode))",
                fix: "enable TLS on the server (ssl_cert, ssl_key) and connect with --tls verify-identity --tls-ca FILE"
            )
        }
        let checked =
            switch options.tls {
            case .verifyCA, .verifyIdentity: "the server's certificate verified for \(connection.url.host)"
            default: "the server's certificate NOT verified: use --tls verify-identity --tls-ca FILE"
            }
        return PreflightItem("tls", .ok, "\(cipher) (--tls \(mode)), \(checked)")
    }

    /// Checks that each TLS file given is readable, naming the option of the first that is not.
    static func checkFiles(_ options: ConnectionOptions) throws(MySQLSourceError) {
        let files = [("--tls-ca", options.tlsCA), ("--tls-cert", options.tlsCert), ("--tls-key", options.tlsKey)]
        for case (let option, let path?) in files where access(path, R_OK) != 0 {
            let reason = String(cString: strerror(errno))
            var error = MySQLSourceError(
                "\(option) \(path): cannot read it (\(reason))", hint: "give the path of a readable PEM file")
            error.isTLSRefusal = true
            throw error
        }
    }
}
