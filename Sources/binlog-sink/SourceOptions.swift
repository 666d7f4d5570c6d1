import ArgumentParser
import CDCCore
import MySQLSource

#if canImport(Glibc)
    import Glibc
#endif

/// The connection options `run` and `check` share. The password is never an option value (it would show in `ps`):
/// it comes from `MYSQL_PWD` or `--password-file` (or the URL, discouraged).
struct SourceConnectionOptions: ParsableArguments {
    @Option(help: "The server: mysql://USER@HOST[:PORT] or mariadb://USER@HOST[:PORT] (port 3306 by default).")
    var source: String

    @Option(help: "Read the password from this file (else MYSQL_PWD; a password in the URL is discouraged).")
    var passwordFile: String?

    @Option(help: "TLS: disabled, preferred, required, verify-ca or verify-identity.")
    var tls: String = "preferred"

    @Option(help: "CA certificate file (PEM) for --tls verify-ca / verify-identity.")
    var tlsCa: String?

    @Option(help: "Client certificate file (PEM).")
    var tlsCert: String?

    @Option(help: "Client private key file (PEM).")
    var tlsKey: String?

    @Option(help: "Seconds to wait for the connection.")
    var connectTimeout: UInt32 = 10

    func resolve() throws(CDCError) -> (SourceURL, ConnectionOptions) {
        do throws(MySQLSourceError) {
            let url = try SourceURL(parsing: source)
            var options = ConnectionOptions()
            guard let mode = TLSMode(rawValue: tls) else {
                throw MySQLSourceError(
                    "--tls \(tls): expected one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.tls = mode
            options.tlsCA = tlsCa
            options.tlsCert = tlsCert
            options.tlsKey = tlsKey
            options.connectTimeout = connectTimeout
            options.password = try ConnectionOptions.resolvePassword(
                url: url, passwordFile: passwordFile, environment: Self.environment())
            SecretFilePermissions.warn(passwordFile, option: "--password-file")
            CommandLineSecrets.warn(
                CommandLineSecrets.urlPasswordWarning(
                    url.password, url: source, what: "--source", instead: "MYSQL_PWD or --password-file"))
            return (url, options)
        } catch {
            throw CDCError(.usage, error.description)
        }
    }

    static func environment() -> [String: String] {
        var result: [String: String] = [:]
        if let value = getenv("MYSQL_PWD") { result["MYSQL_PWD"] = String(cString: value) }
        return result
    }
}
