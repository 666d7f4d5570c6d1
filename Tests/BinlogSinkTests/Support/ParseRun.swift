import Foundation

/// One `binlog-sink parse` invocation, with its stdout parsed as records (or, with `--events`, as event lines).
struct ParseRun {
    var arguments: [String]
    var result: BinlogSinkCLI.Result

    var status: Int32 { result.status }
    var stderr: String { result.stderr }
    /// Non-empty stderr lines.
    var stderrLines: [String] { result.stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// Runs `binlog-sink parse FILES… EXTRA…`.
    static func parse(_ files: [URL], _ extra: [String] = [], timeout: TimeInterval = 600) throws -> ParseRun {
        let arguments = ["parse"] + files.map(\.path) + extra
        return ParseRun(arguments: arguments, result: try BinlogSinkCLI.run(arguments, timeout: timeout))
    }

    /// Runs `binlog-sink parse --events FILES…`.
    static func events(_ files: [URL], timeout: TimeInterval = 600) throws -> ParseRun {
        try parse(files, ["--events"], timeout: timeout)
    }

    func records() throws -> [BinlogRecord] { try BinlogRecord.parseAll(result.stdout) }
    func eventLines() throws -> [BinlogEventLine] { try BinlogEventLine.parseAll(result.stdout) }

    /// A one-line summary for failure messages.
    var summary: String {
        let command =
            "binlog-sink " + arguments.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " ")
        let errorText = stderr.isEmpty ? "" : "; stderr: \(stderr.prefix(600))"
        return "`\(command)` exited \(status)\(errorText)"
    }
}

/// The `binlog-sink: error: FILE: at offset N: MESSAGE` line of a damaged input.
struct BinlogSinkErrorLine: CustomStringConvertible {
    var file: String
    var offset: Int
    var message: String

    /// Parses a stderr line; nil when it does not have the documented shape.
    init?(_ line: String) {
        let prefix = "binlog-sink: error: "
        guard line.hasPrefix(prefix) else { return nil }
        let rest = line.dropFirst(prefix.count)
        guard let marker = rest.range(of: ": at offset ") else { return nil }
        file = String(rest[..<marker.lowerBound])
        let afterMarker = rest[marker.upperBound...]
        let digits = afterMarker.prefix { $0.isASCII && $0.isNumber }
        guard let offset = Int(digits), afterMarker.dropFirst(digits.count).hasPrefix(": ") else { return nil }
        self.offset = offset
        message = String(afterMarker.dropFirst(digits.count + 2))
        guard !message.isEmpty else { return nil }
    }

    var description: String { "binlog-sink: error: \(file): at offset \(offset): \(message)" }
}
