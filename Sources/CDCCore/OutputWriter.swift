#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Buffered writes to a file descriptor (stdout or a file), flushed at 1 MiB and on `flush()`.
public final class OutputWriter {
    public static let flushThreshold = 1 << 20

    public var buffer = OutputBuffer(capacity: OutputWriter.flushThreshold + (64 << 10))
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    public let name: String
    public private(set) var bytesWritten: UInt64 = 0

    public static func standardOutput() -> OutputWriter {
        OutputWriter(descriptor: 1, owns: false, name: "stdout")
    }

    /// Creates (or truncates) `path`.
    public static func file(_ path: String) throws(CDCError) -> OutputWriter {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw CDCError(.io, "cannot create output: \(String(cString: strerror(errno)))", file: path)
        }
        return OutputWriter(descriptor: fd, owns: true, name: path)
    }

    init(descriptor: Int32, owns: Bool, name: String) {
        self.descriptor = descriptor
        self.ownsDescriptor = owns
        self.name = name
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    @inline(__always)
    public func flushIfFull() throws(CDCError) {
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Appends `bytes`: buffered when they are few, else written out at once after the buffer (a large batch is
    /// not copied, and the buffer does not grow to its size and stay so).
    public func append(_ bytes: ArraySlice<UInt8>) throws(CDCError) {
        if bytes.count < Self.flushThreshold {
            buffer.append(contentsOf: bytes)
            try flushIfFull()
            return
        }
        try flush()
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in failure = Self.writeAll(descriptor, raw) }
        if failure != 0 {
            throw CDCError(.io, "write failed: \(String(cString: strerror(failure)))", file: name)
        }
        bytesWritten += UInt64(bytes.count)
    }

    /// Writes all of `raw`; returns 0 or the errno of the failure.
    private static func writeAll(_ descriptor: Int32, _ raw: UnsafeRawBufferPointer) -> Int32 {
        var done = 0
        while done < raw.count {
            guard let base = raw.baseAddress else { break }
            let wrote = write(descriptor, base + done, raw.count - done)
            if wrote < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += wrote
        }
        return 0
    }

    public func flush() throws(CDCError) {
        let failure = Self.writeAll(descriptor, buffer.bytes)
        if failure != 0 {
            throw CDCError(.io, "write failed: \(String(cString: strerror(failure)))", file: name)
        }
        bytesWritten += UInt64(buffer.count)
        buffer.removeAll()
    }

    /// Flushes and asks the kernel to put the data on disk (character devices like /dev/null cannot be synced:
    /// EINVAL is not an error).
    public func sync() throws(CDCError) {
        try flush()
        if ownsDescriptor && fsync(descriptor) != 0 && errno != EINVAL && errno != EROFS {
            throw CDCError(.io, "fsync failed: \(String(cString: strerror(errno)))", file: name)
        }
    }
}
