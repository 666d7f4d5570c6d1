import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A thin, safe SQLite connection: one `sqlite3*` owned by this object and closed in `deinit`, statements that
/// take typed bindings, immediate transactions, and errors that carry the SQLite code, the statement text and the
/// database path (never bound values).
///
/// Not thread-safe: the connection is opened with `SQLITE_OPEN_NOMUTEX`, so one owner (a thread, an actor) uses
/// it at a time. That is why it is not `Sendable`.
public final class SQLiteDatabase {
    public struct Options: Sendable {
        /// Create the file when it does not exist.
        public var create = true
        /// Refuse every write (`PRAGMA query_only`), for tools that only look.
        public var queryOnly = false
        /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
        public var busyTimeoutMilliseconds: Int32 = 5000
        /// `PRAGMA journal_mode=WAL`: readers never block the writer, and a commit is one append.
        public var writeAheadLog = true
        /// `PRAGMA synchronous=FULL`: in WAL mode the log is fsynced at every commit, so a committed checkpoint
        /// survives power loss (NORMAL would only survive a process crash).
        public var synchronousFull = true

        public init() {}
    }

    public let path: String
    let handle: OpaquePointer

    private init(path: String, handle: OpaquePointer) {
        self.path = path
        self.handle = handle
    }

    deinit { sqlite3_close_v2(handle) }

    /// Opens (or creates) the database at `path` and applies `options`. Foreign keys are always on.
    public static func open(path: String, options: Options = Options()) throws(StateStoreError) -> SQLiteDatabase {
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if options.create { flags |= SQLITE_OPEN_CREATE }
        var raw: OpaquePointer?
        let code = sqlite3_open_v2(path, &raw, flags, nil)
        guard let raw else {
            throw StateStoreError(.sqlite, "cannot open database: out of memory", path: path, sqliteCode: code)
        }
        // From here on `deinit` closes the handle, also when configuring fails below.
        let database = SQLiteDatabase(path: path, handle: raw)
        sqlite3_extended_result_codes(raw, 1)
        guard code == SQLITE_OK else { throw database.error(code: code, sql: nil, prefix: "cannot open database") }
        sqlite3_busy_timeout(raw, options.busyTimeoutMilliseconds)
        try database.execute("PRAGMA foreign_keys = ON")
        if options.queryOnly {
            try database.execute("PRAGMA query_only = ON")
        } else {
            if options.writeAheadLog {
                let mode = try database.query("PRAGMA journal_mode = WAL").first?.optionalString(0)
                guard mode?.lowercased() == "wal" else {
                    throw StateStoreError(
                        .sqlite, "cannot switch the journal to WAL mode (got \(mode ?? "nothing"))", path: path,
                        sql: "PRAGMA journal_mode = WAL")
                }
            }
            if options.synchronousFull { try database.execute("PRAGMA synchronous = FULL") }
        }
        return database
    }

    /// Prepares a statement for repeated use.
    public func prepare(_ sql: String) throws(StateStoreError) -> SQLiteStatement {
        try SQLiteStatement(database: self, sql: sql)
    }

    /// Runs one statement with bindings, discarding any rows.
    public func execute(_ sql: String, _ bindings: [SQLiteValue] = []) throws(StateStoreError) {
        _ = try prepare(sql).run(bindings)
    }

    /// Runs several `;`-separated statements without bindings (migrations).
    public func executeScript(_ sql: String) throws(StateStoreError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        let text = message.map { String(cString: $0) }
        sqlite3_free(message)
        guard code == SQLITE_OK else {
            throw StateStoreError(
                .sqlite, text ?? Self.describe(code), path: path, sqliteCode: sqlite3_extended_errcode(handle),
                sql: sql)
        }
    }

    /// Runs one query with bindings and returns every row.
    public func query(_ sql: String, _ bindings: [SQLiteValue] = []) throws(StateStoreError) -> [SQLiteRow] {
        try prepare(sql).run(bindings)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// True while a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction (the write lock is taken up front, so the transaction cannot
    /// fail half-way with SQLITE_BUSY on upgrade). Commits when `body` returns, rolls back when it throws or when
    /// COMMIT fails; the error is rethrown unchanged. Transactions do not nest.
    public func inTransaction<T>(_ body: () throws(StateStoreError) -> T) throws(StateStoreError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// The value of a pragma as text (`journal_mode` → "wal", `synchronous` → "2", …).
    public func pragma(_ name: String) throws(StateStoreError) -> String? {
        guard name.allSatisfy({ $0.isLetter || $0 == "_" }) else {
            throw StateStoreError(.invalidValue, "not a pragma name: \(name)", path: path)
        }
        guard let value = try query("PRAGMA \(name)").first?[0] else { return nil }
        switch value {
        case .integer(let integer): return String(integer)
        case .text(let text): return text
        case .real(let real): return String(real)
        case .blob, .null: return nil
        }
    }

    func error(code: Int32, sql: String?, prefix: String? = nil) -> StateStoreError {
        let extended = sqlite3_extended_errcode(handle)
        var message = String(cString: sqlite3_errmsg(handle))
        // An I/O failure's cause is the operating system's ("disk I/O error" alone does not say the disk is full).
        let system = sqlite3_system_errno(handle)
        if system != 0, [SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_READONLY].contains(extended & 0xFF),
            let reason = strerror(system)
        {
            message += ": \(String(cString: reason))"
        }
        let full = prefix.map { "\($0): \(message)" } ?? message
        let kind: StateStoreError.Kind
        switch extended & 0xFF {
        case SQLITE_NOTADB, SQLITE_CORRUPT: kind = .corrupt
        default: kind = .sqlite
        }
        return StateStoreError(kind, full, path: path, sqliteCode: extended != 0 ? extended : code, sql: sql)
    }

    static func describe(_ code: Int32) -> String {
        sqlite3_errstr(code).map { String(cString: $0) } ?? "SQLite error \(code)"
    }
}
