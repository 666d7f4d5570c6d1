#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock` on `DIR/lock`, held for as long as this object lives (the kernel drops it when the process
/// dies, so a crashed run never leaves a stale lock). The holder writes its pid into the file so a refused run can
/// say who holds the state.
///
/// `flock` locks belong to the open file description, so a second `acquire` in the same process is refused too.
final class StateDirectoryLock {
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    static func acquire(path: String, directory: String) throws(StateStoreError) -> StateDirectoryLock {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StateStoreError(.io, "cannot open the lock file: \(FileSystem.lastError())", path: path)
        }
        // A child process forked by another thread of this process holds a copy of every descriptor until it
        // execs (then O_CLOEXEC closes it): a lock just released here may look held for a moment. Retry briefly.
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK && attempts < 20 {
            attempts += 1
            usleep(25_000)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            let holder = readHolder(descriptor)
            close(descriptor)
            if failure == EWOULDBLOCK {
                let who = holder.map { "process \($0)" } ?? "another process"
                throw StateStoreError(
                    .locked, "the state directory \(directory) is in use by \(who)",
                    path: path,
                    hint: "two runs must never share a --state directory; stop the other run or use another directory")
            }
            throw StateStoreError(.io, "cannot lock: \(FileSystem.describe(failure))", path: path)
        }
        let lock = StateDirectoryLock(path: path, descriptor: descriptor)
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0,
            text.withUnsafeBytes({ pwrite(descriptor, $0.baseAddress, $0.count, 0) }) == text.count
        else {
            throw StateStoreError(.io, "cannot write the pid into the lock file: \(FileSystem.lastError())", path: path)
        }
        return lock
    }

    private static func readHolder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer.prefix(count), as: UTF8.self)
        return Int32(text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first ?? "")
    }
}

/// The few POSIX file-system calls the store needs.
enum FileSystem {
    static func lastError() -> String { describe(errno) }

    static func describe(_ code: Int32) -> String {
        strerror(code).map { String(cString: $0) } ?? "errno \(code)"
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Creates `path` and missing parents with mode 0700 (exactly, whatever the umask).
    static func createDirectory(_ path: String) throws(StateStoreError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !isDirectory(prefix) {
                guard mkdir(prefix, 0o700) == 0 || errno == EEXIST else {
                    throw StateStoreError(
                        .io, "cannot create the state directory: \(lastError())", path: prefix,
                        hint: "check --state and the permissions of its parent")
                }
                chmod(prefix, 0o700)
            }
            prefix += "/"
        }
        guard isDirectory(path) else {
            throw StateStoreError(.io, "the state path exists but is not a directory", path: path)
        }
    }

    /// Creates an empty file with mode 0600 if it does not exist (so SQLite, which copies the database file's mode
    /// to its -wal and -shm files, never creates anything group- or world-readable).
    static func createPrivateFile(_ path: String) throws(StateStoreError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            if errno == EEXIST { return }
            throw StateStoreError(.io, "cannot create the state file: \(lastError())", path: path)
        }
        fchmod(descriptor, 0o600)
        close(descriptor)
    }

    /// Milliseconds since the Unix epoch.
    static func nowMilliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}
