import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A MariaDB of the test's own on 127.0.0.1:PORT (scripts/lib/mariadb.sh: fresh datadir, ROW binlogs), in a short
/// temp directory under /tmp, which the test can stop (SIGTERM, as an init system does) and start again on the
/// same datadir with the same command line.
final class LiveThrowawayServer {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// `$BINLOG_SINK_TEST_MYSQL_PORT2`: the port for tests that start and restart their own server.
    static var port: String? {
        ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_MYSQL_PORT2"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static let script = BinlogSinkCLI.packageRoot.appendingPathComponent("scripts/lib/mariadb.sh").path

    /// The mariadb command-line client (as MariaDBClient looks for it).
    static var clientExecutable: String? {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["BINLOG_SINK_TEST_MYSQL_CLIENT"], !explicit.isEmpty { return explicit }
        let path = (environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin"
        for name in ["mariadb", "mysql"] {
            for directory in path.split(separator: ":")
            where FileManager.default.isExecutableFile(
                atPath: "\(directory)/\(name)")
            {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }

    let directory: String
    let port: String
    let client: MariaDBClient
    /// mariadbd's argv, read from /proc when it is stopped, to start it again the same way.
    private var commandLine: [String] = []

    var dataDirectory: String { "\(directory)/data" }

    /// Installs a fresh datadir and starts the server (mariadb_start), with `arguments` added to mariadbd's.
    init(port: String, arguments: [String] = []) throws {
        guard let executable = Self.clientExecutable else { throw Failure(message: "no mariadb client found") }
        var template = Array("/tmp/bls-live-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(message: "mkdtemp failed: errno \(errno)") }
        directory = String(cString: made)
        self.port = port
        client = MariaDBClient(
            socket: "\(directory)/mariadbd.sock", dataDirectory: "\(directory)/data", clientExecutable: executable)
        do {
            try Self.bash(
                "\(Self.closeInheritedDescriptors)\n. \(Self.quote(Self.script))\n"
                    + "mariadb_start \(Self.quote(directory)) \(Self.quote(port))"
                    + arguments.map { " " + Self.quote($0) }.joined())
        } catch {
            remove()
            throw error
        }
    }

    /// mariadbd's process id (`launcher.pid`: mariadb_start's `$!`, which is mariadbd itself).
    func pid() throws -> pid_t {
        let text = try String(contentsOfFile: "\(directory)/launcher.pid", encoding: .utf8)
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure(message: "no pid in \(directory)/launcher.pid")
        }
        return pid
    }

    /// Whether `pid` is a live process (not gone, not a zombie).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.range(of: ") ", options: .backwards)
        else { return false }
        return stat[close.upperBound...].first != "Z"
    }

    /// SIGTERM (a normal shutdown) and wait until mariadbd has exited.
    func stop(timeout: TimeInterval = 60) throws {
        let pid = try pid()
        let argv = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))
        commandLine = argv.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        if commandLine.last == "" { commandLine.removeLast() }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while Self.isAlive(pid) {
            if Date() > deadline { throw Failure(message: "mariadbd (pid \(pid)) did not stop within \(timeout) s") }
            usleep(50_000)
        }
    }

    /// Starts mariadbd again on the same datadir with the command line it had, and waits until it answers.
    func restart() throws {
        guard !commandLine.isEmpty else { throw Failure(message: "restart before stop") }
        let command = commandLine.map(Self.quote).joined(separator: " ")
        let dir = Self.quote(directory)
        try Self.bash(
            """
            \(Self.closeInheritedDescriptors)
            . \(Self.quote(Self.script))
            \(command) >>\(dir)/mariadbd.out 2>&1 </dev/null &
            echo $! >\(dir)/launcher.pid
            mariadb_wait_ready \(dir) 60
            """)
    }

    /// The binlog files in the datadir, in order (full paths).
    func binlogFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: dataDirectory)
            .filter { $0.hasPrefix("mysql-bin.") && $0.dropFirst("mysql-bin.".count).allSatisfy(\.isNumber) }
            .sorted().map { URL(fileURLWithPath: "\(dataDirectory)/\($0)") }
    }

    /// Shuts the server down (mariadb_stop) without removing anything.
    func shutdown() {
        _ = try? Self.bash(". \(Self.quote(Self.script)); mariadb_stop \(Self.quote(directory))")
    }

    /// Shuts the server down and deletes its directory.
    func remove() {
        shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Bash that closes every descriptor above stderr. Foundation's Process learns that a child ended when the
    /// last copy of a socket it gave the child closes; a mariadbd started in the background would inherit that
    /// copy and keep it open as long as it runs, so the `bash -c` that starts it would never be seen to finish.
    static let closeInheritedDescriptors = """
        for fd in $(ls /proc/$$/fd); do if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi; done
        """

    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    @discardableResult
    static func bash(_ script: String, timeout: TimeInterval = 120) throws -> String {
        let result = try MariaDBClient.runProcess("/bin/bash", ["-c", script], input: Data(), timeout: timeout)
        guard result.status == 0 else {
            throw Failure(message: "bash exited \(result.status): \(result.stderr)\nscript: \(script)")
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }
}
