#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--sink file:DIR`: JSON Lines files, one stream per table (`DIR/<db>.<table>.jsonl`) or one for everything
/// (`DIR/changes.jsonl`, `--file-layout single`).
///
/// The open segment of a stream is `<name>.jsonl`; when it reaches `maxBytes` or `maxSeconds` it is fsynced and
/// renamed to `<name>.NNNNNN.jsonl` (numbered from 1, never reused) and a new open segment starts. `flush` fsyncs
/// every segment written since the last flush, so a checkpoint never covers bytes that are not on disk. A crash
/// leaves at most a torn last line in an open segment; the next run truncates it before appending (and the records
/// after the checkpoint are delivered again: at-least-once).
///
/// Database and table names are escaped for the file name: bytes other than ASCII letters, digits, `_`, `-` and
/// `$` become `%XX`.
public final class FileSink: RecordSink {
    public enum Layout: Sendable {
        case perTable
        case single
    }

    public let directory: String
    let layout: Layout
    let separator: [UInt8]
    let maxBytes: UInt64
    let maxSeconds: Double
    private var segments: [String: FileSegment] = [:]
    /// When each open segment was last written (a counter): beyond `maxOpenSegments` the least recently used one is
    /// synced and closed (reopening appends), so any number of tables fits in the process's file descriptors.
    private var lastUse: [String: UInt64] = [:]
    private var useCounter: UInt64 = 0
    /// Segments closed to stay under `maxOpenSegments`.
    private var evictions = 0
    /// At most 128 segments open, and never more than a quarter of what the process may open (RLIMIT_NOFILE):
    /// the connections, the state database and the libraries need descriptors too.
    let maxOpenSegments: Int
    private var numbers: [String: Int] = [:]
    /// Messages for the command's log (torn lines dropped, segments closed).
    private let log: (String) -> Void

    public init(
        directory: String, layout: Layout, separator: [UInt8], maxBytes: UInt64, maxSeconds: Double,
        log: @escaping (String) -> Void
    ) throws(CDCError) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.layout = layout
        self.separator = separator
        self.maxBytes = maxBytes
        self.maxSeconds = maxSeconds
        self.log = log
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < 1 << 40 {
            maxOpenSegments = max(4, min(128, Int(limit.rlim_cur / 4)))
        } else {
            maxOpenSegments = 128
        }
        if mkdir(self.directory, 0o755) != 0 && errno != EEXIST {
            throw FileSegment.error("cannot create the output directory", self.directory)
        }
        var status = stat()
        guard stat(self.directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw CDCError(.usage, "the file sink's output is not a directory", file: self.directory)
        }
    }

    public var description: String { "file:\(directory)" }
    public var wantsKeys: Bool { false }

    public func write(_ batch: RecordBatch) throws(CDCError) {
        var byTable: [FileSegment?] = Array(repeating: nil, count: batch.tables.count)
        var seenEvictions = evictions
        let records = batch.records
        var index = 0
        while index < records.count {
            let record = records[index]
            if evictions != seenEvictions {
                // A segment was closed to free its descriptor: drop every cached reference so it really closes.
                for slot in byTable.indices { byTable[slot] = nil }
                seenEvictions = evictions
            }
            let segment: FileSegment
            if let known = byTable[record.table] {
                segment = known
            } else {
                let table = batch.tables[record.table]
                segment = try self.segment(
                    layout == .single ? "changes" : Self.escape(table.database) + "." + Self.escape(table.table))
                byTable[record.table] = segment
            }
            // Records of the same segment that follow each other in `values` (a snapshot block, a transaction's
            // rows of one table) are appended as one run.
            var end = record.value.upperBound + separator.count
            var next = index + 1
            while next < records.count, records[next].value.lowerBound == end,
                layout == .single || records[next].table == record.table
            {
                end = records[next].value.upperBound + separator.count
                next += 1
            }
            try segment.append(batch.values[record.value.lowerBound..<end])
            index = next
        }
        for case let segment? in byTable where segment.size > 0 && shouldRotate(segment) {
            let closed = try segment.rotate(number: nextNumber(segment.name))
            log("file sink: closed segment \(closed)")
        }
    }

    /// Writes every segment's buffer to its file (readable at once), without the fsync a checkpoint needs.
    public func push() throws(CDCError) {
        for segment in segments.values { try segment.writeBuffer() }
    }

    public func flush() throws(CDCError) {
        for segment in segments.values { try segment.sync() }
    }

    public func close() throws(CDCError) {
        try flush()
        segments.removeAll()
        lastUse.removeAll()
    }

    private func shouldRotate(_ segment: FileSegment) -> Bool {
        if maxBytes > 0 && segment.size >= maxBytes { return true }
        if maxSeconds > 0 {
            let age = ContinuousClock.now - segment.opened
            if Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18 >= maxSeconds { return true }
        }
        return false
    }

    private func segment(_ name: String) throws(CDCError) -> FileSegment {
        useCounter += 1
        lastUse[name] = useCounter
        if let open = segments[name] { return open }
        if segments.count >= maxOpenSegments,
            let oldest = lastUse.filter({ segments[$0.key] != nil })
                .min(by: { $0.value < $1.value })?.key, let closing = segments[oldest]
        {
            try closing.sync()
            segments[oldest] = nil
            lastUse[oldest] = nil
            evictions += 1
        }
        let segment = try FileSegment(directory: directory, name: name)
        if segment.truncatedBytes > 0 {
            log(
                "file sink: dropped a torn last line (\(segment.truncatedBytes) bytes) of \(segment.path) left by an "
                    + "earlier crash; the records after the last checkpoint are delivered again")
        }
        try Self.syncDirectory(directory)
        segments[name] = segment
        return segment
    }

    /// The next closed-segment number of a stream: one more than the highest on disk.
    private func nextNumber(_ name: String) throws(CDCError) -> Int {
        if let known = numbers[name] {
            numbers[name] = known + 1
            return known + 1
        }
        var highest = 0
        guard let handle = opendir(directory) else { throw FileSegment.error("cannot list", directory) }
        defer { closedir(handle) }
        let prefix = name + "."
        while let entry = readdir(handle) {
            let fileName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard fileName.hasPrefix(prefix), fileName.hasSuffix(".jsonl") else { continue }
            let middle = fileName.dropFirst(prefix.count).dropLast(6)
            if let number = Int(middle), middle.allSatisfy(\.isASCII) { highest = max(highest, number) }
        }
        numbers[name] = highest + 1
        return highest + 1
    }

    /// A name part safe in a file name.
    static func escape(_ name: String) -> String {
        var escaped = ""
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "$"):
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                escaped += "%"
                escaped.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                escaped.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 15)]))
            }
        }
        return escaped
    }

    /// Makes created and renamed entries of a directory durable.
    static func syncDirectory(_ path: String) throws(CDCError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSegment.error("cannot open the directory", path) }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw FileSegment.error("fsync of the directory failed", path) }
    }
}
