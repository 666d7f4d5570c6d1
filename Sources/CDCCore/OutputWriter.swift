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

    public func flush() throws(CDCError) {
        var failure: Int32 = 0
        do {
            let raw = buffer.bytes
            var done = 0
            while done < raw.count {
                guard let base = raw.baseAddress else { break }
                let wrote = write(descriptor, base + done, raw.count - done)
                if wrote < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                done += wrote
            }
        }
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
