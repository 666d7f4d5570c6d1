/// How a `rediss://` sink sets up TLS (docs/redis-sink.md#tls). The server's certificate is always verified: against
/// `caFile` when given, else the system's trusted CAs, and its host name (or IP address) against the URL's host (or
/// `serverName`). There is deliberately no option to turn the verification off.
public struct RedisTLSSettings: Sendable, Equatable {
    /// PEM file of the CA certificates to trust (`--redis-tls-ca`); nil: the system's (`/etc/ssl/certs`).
    public var caFile: String?
    /// PEM client certificate (chain) and its private key, for servers with `tls-auth-clients yes`
    /// (`--redis-tls-cert`, `--redis-tls-key`).
    public var certificateFile: String?
    public var keyFile: String?
    /// The name the certificate must carry and SNI sends (`--redis-tls-server-name`); nil: the URL's host. For a
    /// tunnel or an address the certificate does not name.
    public var serverName: String?

    public init(
        caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
    }
}
