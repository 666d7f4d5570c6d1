import Testing

@testable import MySQLSource

/// Connector/C's 2026 messages (as libmariadb 3.3 with OpenSSL 3 words them; seen against a real MariaDB in
/// LiveSourceTLSTests) and what the tool makes of them.
@Suite("TLSRefusal: classifying Connector/C's TLS errors")
struct TLSRefusalTests {
    let url = SourceURL(flavor: .mysql, user: "cdc", password: nil, host: "db.example.com", port: 3306)

    func options(_ mode: TLSMode, ca: String? = "/etc/ca.pem") -> ConnectionOptions {
        var options = ConnectionOptions()
        options.tls = mode
        options.tlsCA = ca
        return options
    }

    @Test func classifiesLibraryMessages() {
        #expect(TLSRefusal.classify("TLS/SSL error: Validation of SSL server certificate failed") == .wrongHost)
        #expect(
            TLSRefusal.classify("TLS/SSL error: SSL is required, but the server does not support it")
                == .serverWithoutTLS)
        let chain = "TLS/SSL error: self-signed certificate in certificate chain"
        #expect(TLSRefusal.classify(chain) == .untrusted(chain))
        let issuer = "TLS/SSL error: unable to get local issuer certificate"
        #expect(TLSRefusal.classify(issuer) == .untrusted(issuer))
        let mismatch = "TLS/SSL error: key values mismatch"
        #expect(TLSRefusal.classify(mismatch) == .clientFiles(mismatch))
        // A handshake cut short (a restarting server) is a connection loss, not a refusal.
        #expect(TLSRefusal.classify("TLS/SSL error: unexpected eof while reading") == nil)
        #expect(TLSRefusal.classify("Lost connection to server at 'handshake'") == nil)
    }

    @Test func refusalsNameHostModeAndFixAndAreFinal() {
        let wrongHost = TLSRefusal.wrongHost.error(url: url, options: options(.verifyIdentity))
        #expect(
            wrongHost.description.hasPrefix(
                "cannot connect to cdc@db.example.com:3306 with --tls verify-identity: the server's certificate does "
                    + "not name the host db.example.com (error 2026): "))
        #expect(wrongHost.isTLSRefusal && !wrongHost.isConnectionLoss)
        let untrusted = TLSRefusal.untrusted("x").error(url: url, options: options(.verifyCA))
        #expect(untrusted.description.contains("with --tls verify-ca: the server's certificate is not trusted (x)"))
        #expect(untrusted.description.contains("(now: /etc/ca.pem)"))
        let plain = TLSRefusal.serverWithoutTLS.error(url: url, options: options(.required, ca: nil))
        #expect(plain.description.contains("with --tls required: the server does not offer TLS"))
        #expect(!plain.isConnectionLoss)
        // The same errno without the refusal flag stays a connection loss (retried by the replication stream).
        #expect(MySQLSourceError("handshake cut", errno: 2026).isConnectionLoss)
    }

    @Test func unreadableFileIsNamedWithItsOption() throws {
        var files = options(.verifyIdentity, ca: "/nonexistent/ca.pem")
        files.tlsCert = nil
        #expect(throws: MySQLSourceError.self) { try TLSRefusal.checkFiles(files) }
        do {
            try TLSRefusal.checkFiles(files)
        } catch {
            #expect(error.description.hasPrefix("--tls-ca /nonexistent/ca.pem: cannot read it (No such file"))
            #expect(error.isTLSRefusal)
        }
    }
}
