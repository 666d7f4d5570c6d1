import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A Tansu broker of the test's own (scripts/lib/tansu.sh) on 127.0.0.1:`port` that tells its clients to connect to
/// `advertisedPort` — a FaultProxy in front of it, so every client connection (bootstrap and the partition leader's)
/// goes through the proxy. Frozen with SIGSTOP and thawed with SIGCONT.
///
/// Without `s3Port` its data is in memory and dies with it. With `s3Port`, a local S3 server of its own (moto, on
/// that port) holds the data, which outlives the broker: `stop()` and `start()` restart it with its topics intact.
final class LiveTansuServer {
    let directory: String
    let port: Int
    let advertisedPort: Int
    let s3Port: Int?
    private(set) var pid: pid_t = 0

    init(port: Int, advertisedPort: Int, s3Port: Int? = nil) throws {
        var template = Array("/tmp/bls-tansu-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw LiveThrowawayServer.Failure(message: "mkdtemp failed: errno \(errno)")
        }
        directory = String(cString: made)
        self.port = port
        self.advertisedPort = advertisedPort
        self.s3Port = s3Port
        if let s3Port {
            try shell("s3_start \(LiveThrowawayServer.quote(directory)) \(s3Port)")
        }
        try start()
    }

    deinit { remove() }

    private func shell(_ command: String) throws {
        let script = BinlogSinkCLI.packageRoot.appendingPathComponent("scripts/lib/tansu.sh").path
        try LiveThrowawayServer.bash(
            "\(LiveThrowawayServer.closeInheritedDescriptors)\n. \(LiveThrowawayServer.quote(script))\n\(command)")
    }

    /// Starts the broker (again, after `stop()`).
    func start() throws {
        let storage = s3Port.map { "TANSU_S3_PORT=\($0) " } ?? ""
        try shell("\(storage)tansu_start \(LiveThrowawayServer.quote(directory)) \(port) \(advertisedPort)")
        let text = try String(contentsOfFile: "\(directory)/tansu.pid", encoding: .utf8)
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LiveThrowawayServer.Failure(message: "no pid in \(directory)/tansu.pid")
        }
        self.pid = pid
    }

    /// Stops the broker as an operator would (SIGTERM, SIGKILL after 5 s); its data stays only with `s3Port`.
    func stop() throws {
        kill(pid, SIGCONT)
        try shell("tansu_stop \(LiveThrowawayServer.quote(directory))")
    }

    func freeze() { kill(pid, SIGSTOP) }
    func thaw() { kill(pid, SIGCONT) }

    func remove() {
        if pid > 0 { kill(pid, SIGCONT) }
        try? shell(
            "tansu_stop \(LiveThrowawayServer.quote(directory)); s3_stop \(LiveThrowawayServer.quote(directory))")
        try? FileManager.default.removeItem(atPath: directory)
    }
}
