import BinlogDecoder

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Frames the events of a binlog file read from disk in large chunks.
///
/// Checks the magic, then every header: an event-size field that is smaller than a header, larger than the
/// limit, or runs past the end of the file is reported with its offset; nothing is allocated for an event
/// before its bytes are known to be in the file.
public final class BinlogFileReader {
    public static let magic: [UInt8] = [0xfe, 0x62, 0x69, 0x6e]
    static let chunkSize = 4 << 20

    public let path: String
    public let fileSize: UInt64
    public let maxEventSize: Int
    private let descriptor: Int32
    private var chunk: [UInt8] = []
    /// File offset of `chunk[0]`.
    private var chunkOffset: UInt64 = 0
    /// Offset of the next event.
    public private(set) var offset: UInt64 = 4

    public init(path: String, maxEventSize: Int = EventDecoder.defaultMaxEventSize) throws(CDCError) {
        self.path = path
        self.maxEventSize = maxEventSize
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CDCError(.io, "cannot open: \(Self.errnoText()) — check the path and permissions", file: path)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let text = Self.errnoText()
            close(fd)
            throw CDCError(.io, "cannot stat: \(text)", file: path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw CDCError(.io, "not a regular file — give the path of a binlog file", file: path)
        }
        descriptor = fd
        fileSize = UInt64(info.st_size)
        var head = [UInt8](repeating: 0, count: 4)
        let got = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 4, 0) }
        guard got == 4, head == Self.magic else {
            throw CDCError.decode(
                DecodeError(
                    .badMagic, "not a binlog file: it does not start with the magic bytes fe 62 69 6e", offset: 0),
                file: path)
        }
    }

    deinit { close(descriptor) }

    /// Continues reading at `offset` (an event boundary, e.g. `--start-position`).
    public func seek(to newOffset: UInt64) {
        offset = newOffset
    }

    /// The next event's bytes and offset; nil at the end of the file. Damage throws a `DecodeError` with the offset.
    public func next() throws(CDCError) -> (bytes: [UInt8], offset: UInt64)? {
        let remaining = fileSize > offset ? fileSize - offset : 0
        if remaining == 0 { return nil }
        if remaining < UInt64(EventHeader.size) {
            throw fail(
                .truncated, "truncated event header: \(remaining) bytes left at the end of the file, a header needs 19")
        }
        try ensure(offset, count: EventHeader.size)
        let start = Int(offset - chunkOffset)
        guard let header = chunk.withUnsafeBytes({ EventHeader.parse($0, at: start) }) else {
            throw fail(.truncated, "cannot read the event header")
        }
        let size = Int(header.eventSize)
        if size < EventHeader.size {
            throw fail(
                .badEventSize, "\(header.type.name) event claims event_size \(size), less than its 19-byte header")
        }
        if size > maxEventSize {
            throw fail(
                .badEventSize,
                "\(header.type.name) event claims event_size \(size), more than the \(maxEventSize)-byte limit")
        }
        if UInt64(size) > remaining {
            throw fail(
                .truncated,
                "truncated \(header.type.name) event: event_size \(size) but only \(remaining) bytes left in the file")
        }
        let eventOffset = offset
        let bytes: [UInt8]
        if size <= Self.chunkSize {
            try ensure(offset, count: size)
            let from = Int(offset - chunkOffset)
            bytes = Array(chunk[from..<(from + size)])
        } else {
            bytes = try readDirect(at: offset, count: size)
        }
        offset += UInt64(size)
        return (bytes, eventOffset)
    }

    private func fail(_ code: DecodeError.Code, _ message: String) -> CDCError {
        CDCError.decode(DecodeError(code, message, offset: offset), file: path)
    }

    /// Makes `chunk` hold `count` bytes from `position` (which the caller checked are in the file).
    private func ensure(_ position: UInt64, count: Int) throws(CDCError) {
        if position >= chunkOffset && position + UInt64(count) <= chunkOffset + UInt64(chunk.count) { return }
        let want = Int(min(UInt64(Self.chunkSize), fileSize - position))
        chunk = try readDirect(at: position, count: max(want, count))
        chunkOffset = position
    }

    private func readDirect(at position: UInt64, count: Int) throws(CDCError) -> [UInt8] {
        // (Not `Array(unsafeUninitializedCapacity: 0)`: it writes into the stdlib's shared empty-array storage.)
        guard count > 0 else { return [] }
        var failure: String?
        // Filled by pread; never read before it is written (initializedCount says how much was).
        let buffer = [UInt8](unsafeUninitializedCapacity: count) { raw, initializedCount in
            var done = 0
            while done < count {
                guard let base = raw.baseAddress else { break }
                let got = pread(descriptor, base + done, count - done, off_t(position) + off_t(done))
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = Self.errnoText()
                    break
                }
                if got == 0 { break }
                done += got
            }
            initializedCount = done
        }
        if let failure { throw CDCError(.io, "read failed at offset \(position): \(failure)", file: path) }
        guard buffer.count == count else {
            throw CDCError.decode(
                DecodeError(
                    .truncated, "file shrank while reading: \(buffer.count) of \(count) bytes at \(position)",
                    offset: position), file: path)
        }
        return buffer
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
