import Foundation

/// Runs the built `binlog-sink` executable, the way a user does.
///
/// The binary is `$BINLOG_SINK_BIN` when set (scripts/test sets it), else `.build/debug/binlog-sink` or
/// `.build/release/binlog-sink` under the package root.
enum BinlogSinkCLI {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        /// stdout split into JSON objects, one per non-empty line.
        func jsonLines() throws -> [[String: Any]] {
            try stdoutText.split(separator: "\n", omittingEmptySubsequences: true).map { line in
                guard
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
                        as? [String: Any]
                else {
                    throw CLIError(message: "not a JSON object: \(line.prefix(200))")
                }
                return object
            }
        }
    }

    struct CLIError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static let packageRoot: URL = {
        // Tests/BinlogSinkTests/Support/BinlogSinkCLI.swift -> package root
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }()

    static var executable: URL? {
        if let path = ProcessInfo.processInfo.environment["BINLOG_SINK_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        for configuration in ["debug", "release"] {
            let url = packageRoot.appendingPathComponent(".build/\(configuration)/binlog-sink")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Runs `binlog-sink ARGS…`, waiting at most `timeout` seconds, with `environment` added to the test's.
    static func run(
        _ arguments: [String], timeout: TimeInterval = 300, environment: [String: String] = [:]
    ) throws -> Result {
        guard let executable else {
            throw CLIError(message: "binlog-sink executable not found: run `swift build` or set BINLOG_SINK_BIN")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes concurrently so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = outPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            errData = errPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw CLIError(
                message: "binlog-sink \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Where the shared, read-only fixtures live: `$BINLOG_SINK_FIXTURES`, else `../shared/fixtures` next to the package.
enum SharedFixtures {
    static var root: URL? {
        if let path = ProcessInfo.processInfo.environment["BINLOG_SINK_FIXTURES"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let url = BinlogSinkCLI.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
