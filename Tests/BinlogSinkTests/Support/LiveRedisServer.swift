import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A redis-server of the test's own on 127.0.0.1:PORT (the same command line as scripts/lib/redis.sh: appendonly,
/// no RDB snapshots, data in a temp directory), which the test stops with SHUTDOWN and starts again on the same
/// directory, so the restarted server has what it had acknowledged.
final class LiveRedisServer {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static var executable: String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin"
        for directory in path.split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(directory)/redis-server") {
            return "\(directory)/redis-server"
        }
        return nil
    }

    let directory: URL
    private(set) var port: Int
    private var process: Process?

    /// Starts a fresh server on `port` with its data in a new temp directory.
    init(port: Int) throws {
        self.port = port
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bls-redis-\(UUID().uuidString.prefix(8))")
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

    /// The server's process id while it runs (to freeze it with SIGSTOP).
    var pid: pid_t? { isRunning ? process?.processIdentifier : nil }

    /// Starts the server on the same directory (and `port`, when given, else the one it had); waits for PING.
    func start(port newPort: Int? = nil) throws {
        guard let executable = Self.executable else { throw Failure(message: "redis-server not found") }
        guard !isRunning else { throw Failure(message: "redis-server is already running") }
        if let newPort { port = newPort }
        if LiveRedisClient.ping(port: port) {
            throw Failure(message: "127.0.0.1:\(port) already answers PING: another redis-server uses the port")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--bind", "127.0.0.1", "--port", String(port), "--dir", directory.path, "--appendonly", "yes",
            "--daemonize", "no", "--save", "", "--protected-mode", "yes",
            "--logfile", directory.appendingPathComponent("redis.log").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if LiveRedisClient.ping(port: port) { return }
            if !process.isRunning { break }
            usleep(50_000)
        }
        throw Failure(message: "redis-server on port \(port) did not answer PING; log: \(log.suffix(1500))")
    }

    /// `SHUTDOWN` (the appendonly file is fsynced), waiting for the process to exit (SIGKILL after 20 s).
    func stop() throws {
        guard let process, process.isRunning else { return }
        if let client = try? LiveRedisClient(port: port, timeout: 5) {
            _ = try? client.command(["SHUTDOWN"])  // the server closes the connection instead of answering
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
