import BinlogDecoder
import Foundation

/// Where the shared, read-only fixtures live: `$BINLOG_SINK_FIXTURES`, else `../shared/fixtures` next to the
/// package (the same rule as the end-to-end tests).
enum GTIDFixtures {
    static var root: URL? {
        if let path = ProcessInfo.processInfo.environment["BINLOG_SINK_FIXTURES"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        // Tests/BinlogDecoderTests/<this file> -> package root -> its parent.
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    static var available: Bool { root != nil }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static func url(_ relativePath: String) throws -> URL {
        guard let root else { throw Missing(description: "fixtures folder not found") }
        return root.appendingPathComponent(relativePath)
    }

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(relativePath)))
    }

    static func text(_ relativePath: String) throws -> String {
        String(decoding: try Data(contentsOf: url(relativePath)), as: UTF8.self)
    }

    /// `expected_values.json` of the MySQL fixtures: `files.<name>.rust_test_expectations`.
    static func rustExpectations(_ fileName: String) throws -> [String: Any] {
        let data = try Data(contentsOf: url("mysql/expected_values.json"))
        let object = try JSONSerialization.jsonObject(with: data)
        guard let top = object as? [String: Any], let files = top["files"] as? [String: Any],
            let file = files[fileName] as? [String: Any],
            let expectations = file["rust_test_expectations"] as? [String: Any]
        else { throw Missing(description: "no rust_test_expectations for \(fileName)") }
        return expectations
    }
}

/// A binlog file walked event by event with plain reads: magic, then 19-byte headers; the format description says
/// whether events end with a CRC32 (servers from MySQL 5.6.1 / MariaDB 5.3 end its body with `checksum_alg` u8 and
/// 4 CRC bytes; alg 1 = CRC32 on every event).
struct GTIDTestBinlog {
    struct Event {
        var offset: Int
        var header: EventHeader
        /// After the header, before the CRC32 if any.
        var body: Range<Int>
    }

    let bytes: [UInt8]
    private(set) var events: [Event] = []
    private(set) var serverVersion = ""

    init(_ relativePath: String) throws {
        try self.init(bytes: GTIDFixtures.bytes(relativePath))
    }

    init(bytes: [UInt8]) throws {
        self.bytes = bytes
        guard bytes.count >= 4, Array(bytes[0..<4]) == [0xfe, 0x62, 0x69, 0x6e] else {
            throw GTIDFixtures.Missing(description: "not a binlog file")
        }
        var offset = 4
        var hasCRC = false
        while let header = EventHeader.parse(bytes, at: offset) {
            let size = Int(header.eventSize)
            guard size >= EventHeader.size, offset + size <= bytes.count else { break }
            var bodyEnd = offset + size
            if header.type == .formatDescription {
                let versionBytes = bytes[(offset + 21)..<(offset + 71)].prefix { $0 != 0 }
                serverVersion = String(decoding: versionBytes, as: UTF8.self)
                if Self.versionHasChecksum(serverVersion) {
                    hasCRC = bytes[bodyEnd - 5] == 1
                    bodyEnd -= 5
                } else {
                    hasCRC = false
                }
            } else if hasCRC {
                bodyEnd -= 4
            }
            events.append(Event(offset: offset, header: header, body: (offset + EventHeader.size)..<bodyEnd))
            offset += size
        }
    }

    func events(of type: EventType) -> [Event] {
        events.filter { $0.header.type == type }
    }

    /// The leading `major.minor.patch` of a server version, as a number like MySQL's `80028`.
    static func versionNumber(_ version: String) -> Int {
        let parts = version.prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
        let padded = parts + [0, 0, 0]
        return padded[0] * 10000 + padded[1] * 100 + padded[2]
    }

    static func versionHasChecksum(_ version: String) -> Bool {
        let number = versionNumber(version)
        return version.contains("MariaDB") ? number >= 50300 : number >= 50601
    }
}

/// What `mariadb-binlog` printed for a fixture: for each `# at N` block, the lines up to the next one.
struct GTIDTestDecoderText {
    private(set) var blocks: [Int: [String]] = [:]
    private(set) var order: [Int] = []

    init(_ relativePath: String) throws {
        var current: Int?
        for line in try GTIDFixtures.text(relativePath).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# at "), let offset = Int(line.dropFirst(5)) {
                current = offset
                if blocks[offset] == nil { order.append(offset) }
                blocks[offset, default: []] = []
            } else if let current {
                blocks[current, default: []].append(String(line))
            }
        }
    }

    /// Offsets whose block contains `marker`.
    func offsets(containing marker: String) -> [Int] {
        order.filter { offset in blocks[offset, default: []].contains { $0.contains(marker) } }
    }

    /// The first line of the block at `offset` that contains `marker`.
    func line(at offset: Int, containing marker: String) -> String? {
        blocks[offset, default: []].first { $0.contains(marker) }
    }

    /// The offset of the block after the one at `offset`.
    func offset(after offset: Int) -> Int? {
        guard let index = order.firstIndex(of: offset), index + 1 < order.count else { return nil }
        return order[index + 1]
    }
}

/// Runs `/usr/bin/zstd -d` on `input` and returns what it wrote.
func gtidTestZstdDecompress(_ input: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
    process.arguments = ["-d", "-c", "-q"]
    let inPipe = Pipe()
    let outPipe = Pipe()
    process.standardInput = inPipe
    process.standardOutput = outPipe
    try process.run()
    // The payloads here are small; write all, close, then read all.
    inPipe.fileHandleForWriting.write(Data(input))
    try inPipe.fileHandleForWriting.close()
    let output = outPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw GTIDFixtures.Missing(description: "zstd -d exited with \(process.terminationStatus)")
    }
    return [UInt8](output)
}
