import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `binlog-sink ARGS…` running in the background (a `run --until never`), its stdout and stderr going to files the
/// test reads while it runs.
final class LiveBackgroundRun {
    let arguments: [String]
    let process = Process()
    let scratch: URL
    var stdoutURL: URL { scratch.appendingPathComponent("stdout") }
    var stderrURL: URL { scratch.appendingPathComponent("stderr") }
    private var handles: [FileHandle] = []

    init(_ arguments: [String]) throws {
        guard let executable = BinlogSinkCLI.executable else {
            throw BinlogSinkCLI.CLIError(message: "binlog-sink executable not found: set BINLOG_SINK_BIN")
        }
        self.arguments = arguments
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("binlog-sink-bg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try Data().write(to: stdoutURL)
        try Data().write(to: stderrURL)
        let out = try FileHandle(forWritingTo: stdoutURL)
        let err = try FileHandle(forWritingTo: stderrURL)
        handles = [out, err]
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try Self.launchWithSignalsUnblocked(process)
    }

    /// A child starts with the signal mask of the thread that spawns it, and the test runner's threads block
    /// SIGTERM and SIGINT: spawned from one of them, `binlog-sink` could not be stopped the way an operator stops
    /// it. So spawn from a thread of our own with those two unblocked.
    static func launchWithSignalsUnblocked(_ process: Process) throws {
        final class Outcome: @unchecked Sendable {  // written by the spawning thread before `done` is signalled
            var error: Error?
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let child = process
        Thread.detachNewThread {
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, SIGTERM)
            sigaddset(&unblock, SIGINT)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            do { try child.run() } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for handle in handles { try? handle.close() }
        try? FileManager.default.removeItem(at: scratch)
    }

    var stderr: String { String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self) }

    /// The complete lines written so far (a line still being written is left out), parsed as records.
    func records() throws -> [BinlogRecord] {
        let data = (try? Data(contentsOf: stdoutURL)) ?? Data()
        guard let end = data.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        return try BinlogRecord.parseAll(data.prefix(through: end))
    }

    /// Polls the records until `condition` holds (true) or `timeout` passes or the process exits (false).
    func wait(timeout: TimeInterval, until condition: ([BinlogRecord]) -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition(records()) { return true }
            if !process.isRunning { return try condition(records()) }
            usleep(100_000)
        }
        return false
    }

    /// Sends `signal` and waits for the exit (SIGKILL after `timeout`); returns the termination status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 20) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var summary: String {
        "`binlog-sink \(arguments.joined(separator: " "))`\(process.isRunning ? "" : " exited \(process.terminationStatus)"); stderr: \(stderr.prefix(1500))"
    }
}
