import CDCCore
import COpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One TLS session (`SSL`) over a connected, blocking socket whose read and write timeouts are set: the handshake
/// (the server's certificate checked against the CAs and the host name), then bytes in and out. A timeout shows as
/// OpenSSL's "want read/write" on a blocking socket.
///
/// Failures are sorted like the rest of the sink's: the network (reset, closed, timed out) is `.connection`, retried
/// with a new connection; what retrying cannot fix (an untrusted certificate, a host name it does not hold, a server
/// that refuses the client's certificate, a port that does not speak TLS) is `.permanent`, with what to do.
final class RedisTLSSession {
    private let ssl: OpaquePointer
    private let name: String
    private let endpoint: String
    /// Whether application data has arrived: a TLS 1.3 server refuses a client certificate only after the
    /// handshake, in the first read, which is then still part of setting up.
    private var established = false
    /// Whether no call failed: only then is `close_notify` sent at the end (never blocking on a broken link).
    private var healthy = true

    /// Runs the handshake on `descriptor` (which stays owned by the caller and must outlive the session). `host` is
    /// what the certificate must name (a DNS name, or an IP address checked against its IP entries).
    init(context: RedisTLSContext, descriptor: Int32, host: String, port: Int) throws(RedisFailure) {
        guard let ssl = SSL_new(context.context) else {
            throw .connection("cannot create a TLS session (\(RedisTLSContext.errorQueueText()))")
        }
        self.ssl = ssl
        name = context.settings.serverName ?? host
        endpoint = "rediss://" + (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        ERR_clear_error()
        guard SSL_set_fd(ssl, descriptor) == 1 else {
            healthy = false
            throw .connection("cannot attach TLS to the socket (\(RedisTLSContext.errorQueueText()))")
        }
        if Self.isIPAddress(name) {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                healthy = false
                throw .permanent(CDCError(.usage, "rediss: \(name) is not a valid IP address"))
            }
        } else {
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard SSL_set1_host(ssl, name) == 1 else {
                healthy = false
                throw .permanent(CDCError(.usage, "rediss: \(name) is not a valid host name"))
            }
            // SNI, for servers behind a proxy that routes by name (SSL_set_tlsext_host_name is a macro).
            _ = name.withCString {
                SSL_ctrl(
                    ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name),
                    UnsafeMutableRawPointer(
                        mutating: $0))
            }
        }
        ERR_clear_error()
        let status = SSL_connect(ssl)
        if status != 1 { throw failure(status, during: "the TLS handshake") }
    }

    deinit {
        if healthy {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
        }
        SSL_free(ssl)
        ERR_clear_error()
    }

    /// Writes all of `bytes` (OpenSSL writes whole buffers on a blocking socket unless it fails).
    func write(_ bytes: UnsafeRawBufferPointer) throws(RedisFailure) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            var written = 0
            ERR_clear_error()
            let status = SSL_write_ex(ssl, base + offset, min(bytes.count - offset, 1 << 30), &written)
            if status != 1 { throw failure(status, during: "writing") }
            offset += written
        }
    }

    /// Reads what has arrived (at least one byte, waiting up to the socket's read timeout) into `space`.
    func read(into space: UnsafeMutableRawBufferPointer) throws(RedisFailure) -> Int {
        guard let base = space.baseAddress else { return 0 }
        var count = 0
        ERR_clear_error()
        let status = SSL_read_ex(ssl, base, space.count, &count)
        if status != 1 { throw failure(status, during: "reading") }
        established = true
        return count
    }

    private func failure(_ status: Int32, during action: String) -> RedisFailure {
        let savedErrno = errno
        healthy = false
        let kind = SSL_get_error(ssl, status)
        switch kind {
        case SSL_ERROR_ZERO_RETURN:
            ERR_clear_error()
            return .connection("the server closed the TLS connection")
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            ERR_clear_error()
            return .connection(timeoutText(during: action))
        case SSL_ERROR_SYSCALL:
            let reasons = RedisTLSContext.errorQueueText()
            if savedErrno == EAGAIN || savedErrno == EWOULDBLOCK { return .connection(timeoutText(during: action)) }
            if savedErrno != 0 { return .connection("\(action): \(String(cString: strerror(savedErrno)))") }
            return .connection("the server closed the connection during \(action) (\(reasons))")
        case SSL_ERROR_SSL:
            return sslFailure(during: action)
        default:
            return .connection("\(action): TLS error \(kind) (\(RedisTLSContext.errorQueueText()))")
        }
    }

    /// A read or write that timed out. A plain Redis port may never answer a TLS hello (it waits for a line end).
    private func timeoutText(during action: String) -> String {
        switch action {
        case "writing": return "cannot write within the command timeout"
        case "reading": return "no reply within the command timeout"
        default: return "no TLS handshake within the connect timeout: is \(endpoint) the server's tls-port?"
        }
    }

    /// A protocol-level failure: the certificate checks, an alert from the server, or garbage on the wire.
    private func sslFailure(during action: String) -> RedisFailure {
        let code = ERR_peek_last_error()
        let reason = ERR_GET_REASON(code)
        let reasons = RedisTLSContext.errorQueueText()
        if reason == SSL_R_UNEXPECTED_EOF_WHILE_READING {
            return .connection("the server closed the connection during \(action)")
        }
        let verification = SSL_get_verify_result(ssl)
        if verification != Int(X509_V_OK) {
            let why = String(cString: X509_verify_cert_error_string(verification))
            switch Int32(verification) {
            case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
                return .permanent(
                    CDCError(
                        .sink,
                        "\(endpoint): the server's certificate does not name \(name) (\(why)): connect with "
                            + "a host name the certificate holds, or give that name with --redis-tls-server-name"))
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
                X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
                X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
                return .permanent(
                    CDCError(
                        .sink,
                        "\(endpoint): the server's certificate is not signed by a trusted CA (\(why)): give "
                            + "the CA that signed it with --redis-tls-ca"))
            default:
                return .permanent(
                    CDCError(.sink, "\(endpoint): the server's certificate was refused: \(why)"))
            }
        }
        guard !established else { return .connection("TLS error while \(action): \(reasons)") }
        if reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG {
            return .permanent(
                CDCError(
                    .sink,
                    "\(endpoint): the server does not answer in TLS (\(reasons)): is it the server's "
                        + "tls-port? Use redis:// for a plain port"))
        }
        let certificateAlerts = [
            SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED, SSL_R_SSLV3_ALERT_BAD_CERTIFICATE,
            SSL_R_TLSV1_ALERT_UNKNOWN_CA, SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN, SSL_R_TLSV1_ALERT_ACCESS_DENIED,
            SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE, SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED,
            SSL_R_TLSV1_ALERT_DECRYPT_ERROR,
        ]
        if certificateAlerts.contains(reason) {
            return .permanent(
                CDCError(
                    .sink,
                    "\(endpoint): the server refused the client (\(reasons)): it checks client certificates "
                        + "(tls-auth-clients): give --redis-tls-cert and --redis-tls-key signed by a CA it trusts"))
        }
        return .permanent(CDCError(.sink, "\(endpoint): TLS setup failed during \(action): \(reasons)"))
    }

    private static func isIPAddress(_ text: String) -> Bool {
        var storage = in6_addr()
        return inet_pton(AF_INET, text, &storage) == 1 || inet_pton(AF_INET6, text, &storage) == 1
    }
}
