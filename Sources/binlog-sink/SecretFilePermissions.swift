#if canImport(Glibc)
    import Glibc
#endif

/// A password file (`--password-file`, `--redis-password-file`, `--schema-registry-auth-file`) that other local users
/// can read leaks the secret as surely as a command line does: the run warns, naming the option, the file and its
/// mode (never the content). The file is still used: refusing would break a run over a permission an operator may
/// not control (a mounted secret volume with mode 0644), so it is advice, like the connector file's warning.
enum SecretFilePermissions {
    /// The warning for `path` given to `option`, or nil when only its owner can read it (or it cannot be stat'ed:
    /// reading it reports that).
    static func warning(_ path: String?, option: String) -> String? {
        guard let path else { return nil }
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & 0o044 != 0 else { return nil }
        let mode = String(status.st_mode & 0o777, radix: 8)
        return "\(option) \(path) is readable by its group or others (mode \(mode)): run chmod 600 \(path)"
    }

    static func warn(_ path: String?, option: String) {
        if let warning = warning(path, option: option) { Logger.warn(warning) }
    }
}
