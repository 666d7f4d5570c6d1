import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A Tansu broker of the test's own (scripts/lib/tansu.sh, in-memory storage) on 127.0.0.1:`port` that tells its
/// clients to connect to `advertisedPort` — a FaultProxy in front of it, so every client connection (bootstrap and
/// the partition leader's) goes through the proxy. Frozen with SIGSTOP and thawed with SIGCONT; Tansu keeps its
/// data in memory only, so it is never restarted while its data matters.
final class LiveTansuServer {
    let directory: String
    let port: Int
    let advertisedPort: Int
    let pid: pid_t

    init(port: Int, advertisedPort: Int) throws {
        var template = Array("/tmp/bls-tansu-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw LiveThrowawayServer.Failure(message: "mkdtemp failed: errno \(errno)")
        }
        directory = String(cString: made)
        self.port = port
        self.advertisedPort = advertisedPort
        let script = BinlogSinkCLI.packageRoot.appendingPathComponent("scripts/lib/tansu.sh").path
        try LiveThrowawayServer.bash(
            "\(LiveThrowawayServer.closeInheritedDescriptors)\n. \(LiveThrowawayServer.quote(script))\n"
                + "tansu_start \(LiveThrowawayServer.quote(directory)) \(port) \(advertisedPort)")
        let text = try String(contentsOfFile: "\(directory)/tansu.pid", encoding: .utf8)
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LiveThrowawayServer.Failure(message: "no pid in \(directory)/tansu.pid")
        }
        self.pid = pid
    }

    deinit { remove() }

    func freeze() { kill(pid, SIGSTOP) }
    func thaw() { kill(pid, SIGCONT) }

    func remove() {
        kill(pid, SIGCONT)
        if LiveThrowawayServer.isAlive(pid) {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while LiveThrowawayServer.isAlive(pid) && Date() < deadline { usleep(50_000) }
            if LiveThrowawayServer.isAlive(pid) { kill(pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
