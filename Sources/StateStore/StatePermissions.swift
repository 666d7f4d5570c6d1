#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who besides the owner can reach a state directory. The state holds positions, schema history (column names and
/// types of every captured table) and snapshot progress: other local users have no business reading or replacing
/// it. A directory the store creates is 0700 and its files 0600 (`FileSystem`); a directory that already existed
/// with group or other permissions is left as it is (an operator may have chosen that on purpose, e.g. a group
/// that runs `status`) but reported, so the run can warn with the `chmod` that fixes it.
public enum StatePermissions {
    /// One warning per path in `directory` (the directory itself, the database and its -wal/-shm files, the lock
    /// file) whose mode lets the group or others in; empty when all are private. Paths that do not exist are skipped.
    public static func warnings(directory: String) -> [String] {
        var result: [String] = []
        if let mode = mode(directory), mode & 0o077 != 0 {
            result.append(
                "the state directory \(directory) is accessible by its group or others (mode \(octal(mode))): "
                    + "positions and table schemas are readable or replaceable by other local users; "
                    + "run chmod 700 \(directory)")
        }
        let files = [
            StateStore.databaseFileName, StateStore.databaseFileName + "-wal", StateStore.databaseFileName + "-shm",
            StateStore.lockFileName,
        ]
        for name in files {
            let path = directory + "/" + name
            if let mode = mode(path), mode & 0o077 != 0 {
                result.append(
                    "the state file \(path) is accessible by its group or others (mode \(octal(mode))): "
                        + "run chmod 600 \(path)")
            }
        }
        return result
    }

    /// The permission bits of `path`, or nil when it cannot be stat'ed.
    static func mode(_ path: String) -> UInt32? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt32(info.st_mode) & 0o777
    }

    static func octal(_ mode: UInt32) -> String { String(mode, radix: 8) }
}
