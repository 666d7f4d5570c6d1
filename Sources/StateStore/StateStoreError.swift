/// The one error type of the state store: every SQLite failure, lock conflict and file problem ends up here, with
/// enough context (file, SQLite code, statement) to act on it without a debugger.
///
/// Bound values never appear in an error: only the SQL text, which the store writes with placeholders.
public struct StateStoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// SQLite reported an error (see `sqliteCode`).
        case sqlite
        /// The state file is not a usable SQLite database (garbage, truncated, or another program's database).
        case corrupt
        /// Another live process holds the state directory.
        case locked
        /// The directory holds no state (no `state.sqlite`, or no saved position yet).
        case noState
        /// The state was written by a newer binlog-sink.
        case incompatible
        /// A file-system call failed (creating the directory, the lock file, permissions).
        case io
        /// A value does not fit (negative count, offset beyond Int64, wrong column type read back).
        case invalidValue
    }

    public var kind: Kind
    public var message: String
    /// SQLite's extended result code, when SQLite reported the error.
    public var sqliteCode: Int32?
    /// The statement that failed (its text only; bound values are never recorded).
    public var sql: String?
    /// The file the error is about: the database, the lock file or the directory.
    public var path: String?
    /// What the user can do about it.
    public var hint: String?

    public init(
        _ kind: Kind, _ message: String, path: String? = nil, sqliteCode: Int32? = nil, sql: String? = nil,
        hint: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.path = path
        self.sqliteCode = sqliteCode
        self.sql = sql
        self.hint = hint
    }

    /// The primary SQLite result code (the low byte of the extended code), e.g. 5 for SQLITE_BUSY.
    public var sqlitePrimaryCode: Int32? { sqliteCode.map { $0 & 0xFF } }

    public var description: String {
        var text = ""
        if let path { text += "\(path): " }
        text += message
        if let sqliteCode { text += " (SQLite error \(sqliteCode))" }
        if let sql {
            let flat = sql.split(whereSeparator: { $0 == "\n" }).map { $0.trimmingSpaces() }.joined(separator: " ")
            let shown = flat.count > 160 ? String(flat.prefix(160)) + "…" : flat
            text += " while running `\(shown)`"
        }
        if let hint { text += "; \(hint)" }
        return text
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var slice = self
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return slice
    }
}
