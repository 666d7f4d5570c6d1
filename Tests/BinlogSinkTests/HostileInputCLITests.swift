import Foundation
import TestSupport
import Testing

/// `binlog-sink parse` on binlog files whose length fields lie (issue 6: a 4 GB event size, packed integers of
/// 2^64-1 and 0xFF prefixes, JSON nested 100,000 deep, a table map declaring 100,000 columns), run with its address
/// space limited to 1 GiB so that an allocation sized by one of those lengths would kill it: exit status 1 and one
/// error line naming the file, the offset of the bad event and what was wrong; the records before it on stdout.
@Suite struct HostileInputCLITests {
    static let addressSpaceKiB = 1 << 20

    @Test(arguments: HostileBinlog.fileCases)
    func parseExitsWithFileAndOffset(_ hostile: HostileBinlog.FileCase) throws {
        guard let executable = BinlogSinkCLI.executable else {
            Issue.record("binlog-sink executable not found: run `swift build` or set BINLOG_SINK_BIN")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "binlog-sink-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mysql-bin.000001").path
        try Data(hostile.bytes).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // Under AddressSanitizer (scripts/sanitize) the shadow memory needs terabytes of address space, so the
        // limit would stop the process before it starts; ASan's `max_allocation_size_mb=1024` reports an
        // allocation over 1 GiB instead.
        let sanitized = ProcessInfo.processInfo.environment["BINLOG_SINK_SANITIZE_ACTIVE"] == "1"
        let limit = sanitized ? "" : "ulimit -v \(Self.addressSpaceKiB) && "
        process.arguments = ["-c", limit + "exec \"$0\" parse \"$1\"", executable.path, path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1, "\(hostile): \(stderr)")
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(stderr)")
        let expected = "binlog-sink: error: \(path): at offset \(hostile.offset): "
        #expect(stderr.hasPrefix(expected) && stderr.contains(hostile.message), "\(stderr)")
        let records = String(decoding: stdout, as: UTF8.self).split(separator: "\n")
        #expect(records.count == hostile.recordsBefore)
    }
}
