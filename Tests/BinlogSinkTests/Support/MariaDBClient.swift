import Foundation

/// Runs SQL on the live throwaway MariaDB that `scripts/test` starts, through the `mariadb` command-line client
/// (`mariadb --no-defaults -S $BINLOG_SINK_TEST_MYSQL_SOCKET -uroot`), the way an operator would.
///
/// Reading values back unambiguously: the client's batch output escapes tabs, newlines and backslashes and prints
/// SQL NULL as the four letters `NULL`, the same as the string `'NULL'`. `select(_:from:)` therefore wraps every
/// selected expression in `HEX()`: a cell is then either `NULL` (SQL NULL: `HEX(NULL)` is NULL) or a string of
/// hex digits (possibly empty), which is never `NULL`. The hex digits are decoded back to the exact bytes the server
/// returned. Text is converted to utf8mb4 on the server first (`CAST(… AS CHAR CHARACTER SET utf8mb4)`), so what
/// comes back is the server's own text form of the value in UTF-8.
struct MariaDBClient: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// How a selected expression comes back.
    enum Rendering: Sendable {
        /// The server's text form, converted to utf8mb4 (numbers, decimals, temporals, strings, ENUM/SET, JSON).
        case text
        /// The raw bytes of a binary string (`HEX(expr)` as is).
        case bytes
    }

    var socket: String
    /// `$BINLOG_SINK_TEST_MYSQL_DATADIR` when set.
    var dataDirectory: String?
    var clientExecutable: String

    /// The server scripts/test started, or nil when `BINLOG_SINK_TEST_MYSQL_SOCKET` is not set (tests skip then).
    static var fromEnvironment: MariaDBClient? {
        let environment = ProcessInfo.processInfo.environment
        guard let socket = environment["BINLOG_SINK_TEST_MYSQL_SOCKET"], !socket.isEmpty else { return nil }
        guard let client = findClient(environment) else { return nil }
        let dataDirectory = environment["BINLOG_SINK_TEST_MYSQL_DATADIR"].flatMap { $0.isEmpty ? nil : $0 }
        return MariaDBClient(socket: socket, dataDirectory: dataDirectory, clientExecutable: client)
    }

    private static func findClient(_ environment: [String: String]) -> String? {
        if let explicit = environment["BINLOG_SINK_TEST_MYSQL_CLIENT"], !explicit.isEmpty { return explicit }
        let path = (environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin"
        for name in ["mariadb", "mysql"] {
            for directory in path.split(separator: ":") {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    // MARK: - Running SQL

    /// Runs SQL (any number of `;`-separated statements, one session) and returns what the client printed
    /// (`-N -B`: no column names, tab-separated, batch escaping). Throws when the client exits non-zero.
    @discardableResult
    func run(_ sql: String, timeout: TimeInterval = 300) throws -> String {
        let arguments = [
            "--no-defaults", "--socket=\(socket)", "-uroot", "--default-character-set=utf8mb4",
            "--batch", "--skip-column-names",
        ]
        let result = try Self.runProcess(clientExecutable, arguments, input: Data(sql.utf8), timeout: timeout)
        guard result.status == 0 else {
            throw Failure(message: "mariadb exited with \(result.status): \(result.stderr)\nSQL: \(sql.prefix(2000))")
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// Lines split on tabs, for metadata whose values contain no tab, newline, backslash or NULL
    /// (`SHOW BINARY LOGS`, `SELECT @@variable`). Use `select` for table data.
    func lines(_ sql: String) throws -> [[String]] {
        try run(sql).split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// The single value of a metadata query (`SELECT @@global.binlog_row_metadata`).
    func scalar(_ sql: String) throws -> String {
        guard let value = try lines(sql).first?.first else { throw Failure(message: "no value from: \(sql)") }
        return value
    }

    /// `SELECT expr… FROM source`, every cell exact: nil for SQL NULL, else the bytes the server returned
    /// (see the type's comment). `setup` runs first in the same session (e.g. `SET time_zone = '+00:00'`).
    func select(
        _ columns: [(expression: String, rendering: Rendering)], from source: String,
        setup: String = ""
    ) throws -> [[[UInt8]?]] {
        let selected = columns.map { column in
            switch column.rendering {
            case .text: return "HEX(CAST((\(column.expression)) AS CHAR CHARACTER SET utf8mb4))"
            case .bytes: return "HEX(\(column.expression))"
            }
        }
        let sql = "\(setup)\(setup.isEmpty ? "" : ";\n")SELECT \(selected.joined(separator: ", ")) FROM \(source);"
        var output = try run(sql)[...]
        // Every row ends with a newline; a row of one empty cell is an empty line, so split only what precedes
        // the last newline.
        guard output.last == "\n" else {
            if output.isEmpty { return [] }
            throw Failure(message: "unterminated output: \(output.suffix(200))")
        }
        output = output.dropLast()
        var rows: [[[UInt8]?]] = []
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard cells.count == columns.count else {
                throw Failure(message: "expected \(columns.count) cells, got \(cells.count): \(line.prefix(300))")
            }
            rows.append(
                try cells.map { cell in
                    if cell == "NULL" { return nil }
                    guard let bytes = Self.decodeHex(cell) else {
                        throw Failure(message: "not hex: \(cell.prefix(100))")
                    }
                    return bytes
                })
        }
        return rows
    }

    /// `select` for text columns: nil for SQL NULL, else the server's text in UTF-8.
    func selectText(_ expressions: [String], from source: String, setup: String = "") throws -> [[String?]] {
        try select(expressions.map { ($0, .text) }, from: source, setup: setup).map { row in
            row.map { cell in cell.map { String(decoding: $0, as: UTF8.self) } }
        }
    }

    // MARK: - Binary logs

    /// The directory holding the server's binlogs: `$BINLOG_SINK_TEST_MYSQL_DATADIR`, else the directory of
    /// `@@log_bin_basename`.
    func binlogDirectory() throws -> String {
        if let dataDirectory { return dataDirectory }
        let basename = try scalar("SELECT @@log_bin_basename")
        return (basename as NSString).deletingLastPathComponent
    }

    /// The binlog the server is writing now (`SHOW MASTER STATUS`).
    func currentBinlog() throws -> String {
        guard let name = try lines("SHOW MASTER STATUS").first?.first else {
            throw Failure(message: "SHOW MASTER STATUS returned nothing: is binary logging on?")
        }
        return name
    }

    /// Closes the current binlog (`FLUSH BINARY LOGS`) and returns the full paths of every closed binlog from
    /// `firstName` on, in order: everything written since `firstName` became current.
    func closedBinlogs(since firstName: String) throws -> [String] {
        try run("FLUSH BINARY LOGS")
        let names = try lines("SHOW BINARY LOGS").compactMap(\.first)
        guard let start = names.firstIndex(of: firstName) else {
            throw Failure(message: "\(firstName) is not in SHOW BINARY LOGS: \(names)")
        }
        let directory = try binlogDirectory()
        // The last one listed is the file opened by the flush (still open, holds nothing of ours).
        return names[start..<(names.count - 1)].map { "\(directory)/\($0)" }
    }

    // MARK: - Helpers

    static func decodeHex<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: return byte - 0x30
            case 0x41...0x46: return byte - 0x41 + 10
            case 0x61...0x66: return byte - 0x61 + 10
            default: return nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// A SQL string literal for arbitrary text (backslash and quote escaped).
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }

    struct ProcessResult {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs a program with `input` on its stdin; stdout and stderr go to temp files, so no pipe can fill up and
    /// block either side.
    static func runProcess(
        _ executable: String, _ arguments: [String], input: Data,
        timeout: TimeInterval
    ) throws -> ProcessResult {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("binlog-sink-mariadb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inURL = scratch.appendingPathComponent("stdin")
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        try input.write(to: inURL)
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let stdin = try FileHandle(forReadingFrom: inURL)
        let stdout = try FileHandle(forWritingTo: outURL)
        let stderr = try FileHandle(forWritingTo: errURL)
        defer {
            try? stdin.close()
            try? stdout.close()
            try? stderr.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                throw Failure(
                    message: "\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: try Data(contentsOf: outURL),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
