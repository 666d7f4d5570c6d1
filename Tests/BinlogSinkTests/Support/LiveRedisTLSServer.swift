import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A redis-server of the test's own that speaks only TLS on 127.0.0.1:PORT (`--port 0 --tls-port PORT`, the
/// certificates of `RedisTLSCertificates`), plus a unix socket in its directory through which the test reads what
/// the sink wrote (`client`) without TLS. Appendonly, data in a temp directory kept across `stop`/`start`. With
/// `user`, an ACL user limited to keys `KEYPATTERN` (`ACL SETUSER NAME on >PASSWORD ~PATTERN +@all -@dangerous`),
/// set again at each start.
final class LiveRedisTLSServer {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    struct User {
        var name: String
        var password: String
        var keyPattern: String
    }

    let port: Int
    let certificates: RedisTLSCertificates
    let directory: URL
    private(set) var authClients: String
    let user: User?
    private var process: Process?

    var socketPath: String { directory.appendingPathComponent("redis.sock").path }

    /// Starts a fresh server; `authClients` is `--tls-auth-clients` (`no`, `optional`, `yes`).
    init(port: Int, certificates: RedisTLSCertificates, authClients: String = "optional", user: User? = nil) throws {
        self.port = port
        self.certificates = certificates
        self.authClients = authClients
        self.user = user
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bls-redistls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    var isRunning: Bool { process?.isRunning ?? false }

    /// Starts the server on the same directory (with `authClients` when given), waits for PING on its unix socket.
    func start(authClients newAuthClients: String? = nil) throws {
        guard let executable = LiveRedisServer.executable else { throw Failure(message: "redis-server not found") }
        guard !isRunning else { throw Failure(message: "redis-server is already running") }
        if let newAuthClients { authClients = newAuthClients }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--bind", "127.0.0.1", "--port", "0", "--tls-port", String(port),
            "--tls-cert-file", certificates.server.certificate, "--tls-key-file", certificates.server.key,
            "--tls-ca-cert-file", certificates.ca.certificate, "--tls-auth-clients", authClients,
            "--unixsocket", socketPath, "--unixsocketperm", "700",
            "--dir", directory.path, "--appendonly", "yes", "--daemonize", "no", "--save", "",
            "--logfile", directory.appendingPathComponent("redis.log").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let client = try? LiveRedisClient(unixSocket: socketPath, timeout: 2),
                (try? client.command(["PING"]))?.text == "PONG"
            {
                if let user {
                    let reply = try client.command([
                        "ACL", "SETUSER", user.name, "reset", "on", ">\(user.password)", "~\(user.keyPattern)",
                        "+@all", "-@dangerous",
                    ])
                    if let message = reply.errorMessage { throw Failure(message: "ACL SETUSER: \(message)") }
                }
                return
            }
            if !process.isRunning { break }
            usleep(50_000)
        }
        throw Failure(message: "TLS redis-server on port \(port) did not start; log: \(log.suffix(1500))")
    }

    /// A plain connection through the unix socket (the default user: every key).
    func client(database: Int = 0) throws -> LiveRedisClient {
        try LiveRedisClient(unixSocket: socketPath, database: database)
    }

    /// `SHUTDOWN` (the appendonly file is fsynced), waiting for the process to exit (SIGKILL after 20 s).
    func stop() throws {
        guard let process, process.isRunning else { return }
        if let client = try? LiveRedisClient(unixSocket: socketPath, timeout: 5) {
            _ = try? client.command(["SHUTDOWN"])
        } else {
            kill(process.processIdentifier, SIGTERM)
        }
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Failure(message: "redis-server on port \(port) did not stop after SHUTDOWN")
        }
        process.waitUntilExit()
    }

    var log: String {
        String(
            decoding: (try? Data(contentsOf: directory.appendingPathComponent("redis.log"))) ?? Data(), as: UTF8.self)
    }
}
