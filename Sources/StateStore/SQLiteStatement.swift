import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A prepared statement, finalized in `deinit`. It keeps its database alive, so the connection is never closed
/// under it. Not thread-safe (like its database).
public final class SQLiteStatement {
    public let sql: String
    let database: SQLiteDatabase
    private let handle: OpaquePointer

    init(database: SQLiteDatabase, sql: String) throws(StateStoreError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(database.handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            if let statement { sqlite3_finalize(statement) }
            throw database.error(code: code, sql: sql)
        }
        self.sql = sql
        self.database = database
        self.handle = statement
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to parameters 1…n (the count must match).
    public func bind(_ values: [SQLiteValue]) throws(StateStoreError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw StateStoreError(
                .invalidValue, "statement takes \(expected) parameters, \(values.count) given", path: database.path,
                sql: sql)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let integer): code = sqlite3_bind_int64(handle, index, integer)
            case .real(let real): code = sqlite3_bind_double(handle, index, real)
            case .null: code = sqlite3_bind_null(handle, index)
            case .text(let text):
                let copy = try Self.mallocCopy(Array(text.utf8))
                // SQLite owns the copy from here on and frees it with `free`, even when binding fails.
                code = sqlite3_bind_text64(
                    handle, index, copy.assumingMemoryBound(to: CChar.self), sqlite3_uint64(text.utf8.count), free,
                    UInt8(SQLITE_UTF8))
            case .blob(let bytes):
                // A non-nil pointer even for an empty blob: a nil pointer would bind NULL instead.
                let copy = try Self.mallocCopy(bytes)
                code = sqlite3_bind_blob64(handle, index, copy, sqlite3_uint64(bytes.count), free)
            }
            guard code == SQLITE_OK else { throw database.error(code: code, sql: sql) }
        }
    }

    /// Runs one step: true when a row is available (read it with `currentRow()`), false when done.
    public func step() throws(StateStoreError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.error(code: code, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs the statement to completion and returns every row.
    public func run(_ values: [SQLiteValue] = []) throws(StateStoreError) -> [SQLiteRow] {
        try bind(values)
        var rows: [SQLiteRow] = []
        while try step() { rows.append(currentRow()) }
        sqlite3_reset(handle)
        return rows
    }

    /// Copies the current row's columns out of SQLite.
    public func currentRow() -> SQLiteRow {
        let count = sqlite3_column_count(handle)
        var values: [SQLiteValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(handle, column)))
            case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(handle, column)))
            case SQLITE_TEXT:
                let text = sqlite3_column_text(handle, column)
                let length = Int(sqlite3_column_bytes(handle, column))
                values.append(.text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)))
            case SQLITE_BLOB:
                let bytes = sqlite3_column_blob(handle, column)
                let length = Int(sqlite3_column_bytes(handle, column))
                values.append(.blob(Array(UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : length))))
            default: values.append(.null)
            }
        }
        return SQLiteRow(values: values, sql: sql, path: database.path)
    }

    private static func mallocCopy(_ bytes: [UInt8]) throws(StateStoreError) -> UnsafeMutableRawPointer {
        guard let memory = malloc(max(bytes.count, 1)) else {
            throw StateStoreError(.invalidValue, "out of memory binding a value of \(bytes.count) bytes")
        }
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { memory.copyMemory(from: base, byteCount: source.count) }
        }
        return memory
    }
}
