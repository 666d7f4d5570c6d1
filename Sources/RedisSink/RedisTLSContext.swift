import CDCCore
import COpenSSL

/// The OpenSSL side of `rediss://` (docs/redis-sink.md#tls): a client context (`SSL_CTX`) made once per sink from
/// `RedisTLSSettings` (the CAs to trust, the client certificate, TLS 1.2 or later, peer verification on), from which
/// every connection gets its session (`RedisTLSSession`). This file and `RedisTLSSession` are the only code that
/// calls OpenSSL; hiredis keeps the Redis protocol (its reply reader), the project encodes the commands (`RESP`).
final class RedisTLSContext {
    let settings: RedisTLSSettings
    let context: OpaquePointer

    init(_ settings: RedisTLSSettings) throws(CDCError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw CDCError(.sink, "rediss: cannot create a TLS context (\(Self.errorQueueText()))")
        }
        self.settings = settings
        self.context = context
        ERR_clear_error()
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        // An encrypted private key would make OpenSSL prompt on the terminal: refuse it instead.
        SSL_CTX_set_default_passwd_cb(context) { _, _, _, _ in 0 }
        if let caFile = settings.caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw CDCError(
                    .usage,
                    "--redis-tls-ca \(caFile): cannot load CA certificates (\(Self.errorQueueText())): give a "
                        + "readable PEM file of the CA that signed the server's certificate")
            }
        } else if SSL_CTX_set_default_verify_paths(context) != 1 {
            throw CDCError(
                .usage,
                "rediss: cannot load the system's CA certificates (\(Self.errorQueueText())): give --redis-tls-ca")
        }
        switch (settings.certificateFile, settings.keyFile) {
        case (nil, nil):
            break
        case (let certificate?, let key?):
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw CDCError(
                    .usage,
                    "--redis-tls-cert \(certificate): cannot load the client certificate "
                        + "(\(Self.errorQueueText())): give a readable PEM certificate (chain)")
            }
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                throw CDCError(
                    .usage,
                    "--redis-tls-key \(key): cannot load the private key (\(Self.errorQueueText())): give the "
                        + "readable, unencrypted PEM key of --redis-tls-cert \(certificate)")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw CDCError(
                    .usage,
                    "--redis-tls-key \(key) is not the key of --redis-tls-cert \(certificate) "
                        + "(\(Self.errorQueueText()))")
            }
        default:
            throw CDCError(.usage, "--redis-tls-cert and --redis-tls-key go together: give both or neither")
        }
    }

    deinit { SSL_CTX_free(context) }

    /// OpenSSL's reasons for the last failure on this thread, oldest first ("no such file", …); empties the queue.
    static func errorQueueText() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if reasons.count < 4 { reasons.append(reasonText(code)) }
        }
        return reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; ")
    }

    /// One OpenSSL error code as text: its reason ("certificate verify failed"), else the whole code.
    static func reasonText(_ code: UInt) -> String {
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
