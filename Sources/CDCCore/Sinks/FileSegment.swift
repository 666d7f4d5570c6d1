import CFileIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The open segment of one output stream of the file sink: `DIR/<name>.jsonl`, appended to, with buffered writes.
///
/// Opening an existing segment drops a torn last line (a crash in the middle of a write leaves at most one): the
/// bytes after the last newline are truncated away before anything is appended.
final class FileSegment {
    let directory: String
    /// The stream's name: `<db>.<table>` (escaped) or `changes`.
    let name: String
    var path: String { directory + "/" + name + ".jsonl" }
    private var descriptor: Int32 = -1
    private var buffer: [UInt8] = []
    private(set) var size: UInt64 = 0
    private(set) var opened: ContinuousClock.Instant
    /// Written since the last fsync.
    private(set) var dirty = false
    /// Where the writeback the segment started ends: bytes after it are dirty in the page cache (`startWriteback`).
    private var writebackStart: UInt64 = 0
    /// Bytes of a torn last line removed when the segment was opened.
    private(set) var truncatedBytes: UInt64 = 0

    init(directory: String, name: String) throws(CDCError) {
        self.directory = directory
        self.name = name
        self.opened = ContinuousClock.now
        try open()
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    private func open() throws(CDCError) {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.error("cannot open the segment", path) }
        descriptor = fd
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw Self.error("cannot seek", path) }
        size = UInt64(end)
        try dropTornLine()
        writebackStart = size
        opened = ContinuousClock.now
    }

    /// Truncates the file after its last newline (reading backwards in small chunks: bounded memory).
    private func dropTornLine() throws(CDCError) {
        guard size > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var end = size
        while end > 0 {
            let start = end >= UInt64(chunk.count) ? end - UInt64(chunk.count) : 0
            let length = Int(end - start)
            let read = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, off_t(start)) }
            guard read == length else { throw Self.error("cannot read the segment's end", path) }
            if let last = chunk[0..<length].lastIndex(of: 10) {
                let keep = start + UInt64(last) + 1
                if keep < size { try truncate(to: keep) }
                return
            }
            end = start
        }
        try truncate(to: 0)  // no complete line at all
    }

    private func truncate(to length: UInt64) throws(CDCError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw Self.error("cannot truncate a torn line", path) }
        truncatedBytes = size - length
        size = length
        guard fsync(descriptor) == 0 else { throw Self.error("fsync failed", path) }
    }

    func append(_ bytes: ArraySlice<UInt8>) throws(CDCError) {
        if buffer.count + bytes.count <= Self.bufferBytes {
            buffer.append(contentsOf: bytes)
            size += UInt64(bytes.count)
            if buffer.count >= Self.bufferBytes { try writeBuffer() }
            return
        }
        // A large run (a whole batch of one table): written as is, without a copy into the buffer.
        try writeBuffer()
        let failure = bytes.withUnsafeBytes { raw in Self.write(descriptor, raw, at: size) }
        guard failure == 0 else {
            throw CDCError(.io, "write failed: \(String(cString: strerror(failure)))", file: path)
        }
        size += UInt64(bytes.count)
        dirty = true
        startWriteback()
    }

    static let bufferBytes = 1 << 20
    /// Dirty bytes after which the disk is asked to start writing them (`startWriteback`).
    static let writebackBytes: UInt64 = 8 << 20

    /// Once `writebackBytes` are written since the last call, asks the kernel to start writing them to disk now,
    /// without waiting. The kernel would otherwise keep them dirty until the fsync at the next checkpoint (or
    /// until its own writeback, ~30 s later), and that fsync would then wait for all of them at once: a snapshot
    /// of hundreds of MB stalled at its end. A failure here changes nothing: the fsync reports real errors.
    private func startWriteback() {
        guard size >= writebackStart + Self.writebackBytes else { return }
        _ = cfileio_start_writeback(descriptor, Int64(writebackStart), Int64(size - writebackStart))
        writebackStart = size
    }

    func writeBuffer() throws(CDCError) {
        guard !buffer.isEmpty else { return }
        let failure = buffer.withUnsafeBytes { raw in Self.write(descriptor, raw, at: size - UInt64(raw.count)) }
        guard failure == 0 else {
            throw CDCError(.io, "write failed: \(String(cString: strerror(failure)))", file: path)
        }
        buffer.removeAll(keepingCapacity: true)
        dirty = true
        startWriteback()
    }

    /// Writes all of `raw` at `offset`; returns 0 or the errno of the failure.
    private static func write(_ descriptor: Int32, _ raw: UnsafeRawBufferPointer, at offset: UInt64) -> Int32 {
        var done = 0
        while done < raw.count, let base = raw.baseAddress {
            let wrote = pwrite(descriptor, base + done, raw.count - done, off_t(offset + UInt64(done)))
            if wrote < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += wrote
        }
        return 0
    }

    /// Writes and fsyncs.
    func sync() throws(CDCError) {
        try writeBuffer()
        guard dirty else { return }
        guard fsync(descriptor) == 0 else { throw Self.error("fsync failed", path) }
        dirty = false
    }

    /// Syncs, closes and renames the segment to `DIR/<name>.<number>.jsonl` (atomic: readers see a closed segment
    /// whole or not at all), then starts a new empty one.
    func rotate(number: Int) throws(CDCError) -> String {
        try sync()
        Glibc.close(descriptor)
        descriptor = -1
        var digits = String(number)
        if digits.count < 6 { digits = String(repeating: "0", count: 6 - digits.count) + digits }
        let closed = directory + "/" + name + "." + digits + ".jsonl"
        guard rename(path, closed) == 0 else { throw Self.error("cannot rename the closed segment", path) }
        size = 0
        try open()
        try FileSink.syncDirectory(directory)
        return closed
    }

    static func error(_ what: String, _ path: String) -> CDCError {
        CDCError(.io, "\(what): \(String(cString: strerror(errno)))", file: path)
    }
}
