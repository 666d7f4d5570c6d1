import Foundation

@testable import RedisSink

/// A redis-server of the test's own (for stopping and restarting it): 127.0.0.1, appendonly with fsync on every
/// write, data in a temporary directory that survives restarts and is removed by `remove()`.
final class RedisTestServer: @unchecked Sendable {
    let port: Int
    let directory: URL
    let extraArguments: [String]
    private var process: Process?

    init(port: Int, extraArguments: [String] = []) throws {
        self.port = port
        self.extraArguments = extraArguments
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "redis-sink-test-\(port)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "redis-server", "--bind", "127.0.0.1", "--port", String(port), "--dir", directory.path,
                "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
                "--logfile", directory.appendingPathComponent("redis.log").path,
            ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<100 {
            if let client = try? RedisTestClient(port: port, database: 0, password: password),
                case .status("PONG") = try client.command("PING")
            {
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestServerError(message: "redis-server on port \(port) did not answer PING within 10 s")
    }

    /// The `--requirepass` among the extra arguments.
    var password: String? {
        guard let index = extraArguments.firstIndex(of: "--requirepass"), index + 1 < extraArguments.count else {
            return nil
        }
        return extraArguments[index + 1]
    }

    /// Kills the server at once (no SHUTDOWN): what it acknowledged is in the appendonly file (fsync always).
    func kill() {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func remove() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    struct TestServerError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
