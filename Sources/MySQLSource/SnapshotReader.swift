import CDCCore
import CMariaDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The connection a snapshot reads tables on: one consistent view of the database, and the binlog position that
/// view corresponds to, so the stream can continue from there without gap or overlap (docs/snapshot.md).
///
/// - MariaDB: `START TRANSACTION WITH CONSISTENT SNAPSHOT`, then `SHOW STATUS LIKE 'binlog_snapshot_%'`, which
///   reports the binlog position of exactly that view. No lock: writers never wait.
/// - MySQL (untested here: no MySQL server is available to the tests): `FLUSH TABLES WITH READ LOCK`, `START
///   TRANSACTION WITH CONSISTENT SNAPSHOT`, `SHOW MASTER STATUS` (`SHOW BINARY LOG STATUS` on 8.4+), `UNLOCK
///   TABLES`: writers wait only for those few statements, before any table is read.
///
/// Results are streamed (`mysql_use_result`): memory stays bounded by one row, whatever the table's size.
public final class SnapshotReader {
    let connection: MySQLConnection
    public private(set) var file = ""
    public private(set) var position: UInt64 = 0

    public var isMariaDB: Bool { connection.isMariaDB }

    public init(url: SourceURL, options: ConnectionOptions) throws(CDCError) {
        var options = options
        // A streamed result is read as fast as the sink takes it: give the server time (net_write_timeout below).
        options.readTimeout = 3600
        do {
            connection = try MySQLConnection(url: url, options: options)
            // Values in their columns' own character sets (no conversion: byte-identical to the binlog's), time
            // stamps in UTC (the binlog stores seconds since the epoch).
            try connection.query("SET SESSION character_set_results = NULL")
            try connection.query("SET SESSION time_zone = '+00:00'")
            try connection.query("SET SESSION net_write_timeout = 3600")
            try connection.query("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        } catch {
            throw CDCError(.io, "snapshot connection: \(error.description)")
        }
    }

    /// Opens the consistent view and reads its binlog position.
    public func begin() throws(CDCError) {
        do throws(MySQLSourceError) {
            if connection.isMariaDB {
                try connection.query("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                let rows = try connection.query("SHOW STATUS LIKE 'binlog_snapshot_%'")
                var values: [String: String] = [:]
                for row in rows where row.count == 2 {
                    if let name = row[0], let value = row[1] { values[name.lowercased()] = value }
                }
                guard let file = values["binlog_snapshot_file"], !file.isEmpty,
                    let text = values["binlog_snapshot_position"], let offset = UInt64(text)
                else {
                    throw MySQLSourceError(
                        "the server reports no binlog_snapshot_file/binlog_snapshot_position",
                        hint: "a snapshot followed by streaming needs the binary log: start the server with log_bin")
                }
                self.file = file
                self.position = offset
            } else {
                try connection.query("FLUSH TABLES WITH READ LOCK")
                defer { _ = try? connection.query("UNLOCK TABLES") }
                try connection.query("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                var rows = (try? connection.query("SHOW BINARY LOG STATUS")) ?? []
                if rows.isEmpty { rows = try connection.query("SHOW MASTER STATUS") }
                guard let row = rows.first, row.count >= 2, let file = row[0], let text = row[1],
                    let offset = UInt64(text)
                else {
                    throw MySQLSourceError(
                        "SHOW MASTER STATUS returned no position", hint: "the server needs the binary log (log_bin)")
                }
                self.file = file
                self.position = offset
                try connection.query("UNLOCK TABLES")
            }
        } catch {
            throw CDCError(.io, "starting the consistent snapshot: \(error)")
        }
    }

    /// Ends the read-only transaction.
    public func end() {
        _ = try? connection.query("COMMIT")
    }

    /// Small admin queries on the snapshot's connection (inside its view).
    public func query(_ sql: String) throws(CDCError) -> [[String?]] {
        do {
            return try connection.query(sql)
        } catch {
            throw CDCError(.io, error.description)
        }
    }

    /// A SQL string literal for the connection.
    public func literal(_ text: String) -> String { connection.literal(text) }

    /// Runs `sql` and hands each row to `body` as it arrives (streamed, not stored). When `body` throws, the rest of
    /// the result is read and dropped and the error is rethrown. Returns the number of rows handed over.
    @discardableResult
    public func stream(_ sql: String, _ body: (SnapshotRowFields) throws(CDCError) -> Void) throws(CDCError) -> Int {
        let handle = connection.handle
        let status = sql.withCString { mysql_real_query(handle, $0, UInt(strlen($0))) }
        if status != 0 { throw CDCError(.io, connection.lastError("snapshot query failed").description) }
        guard let result = mysql_use_result(handle) else {
            throw CDCError(.io, connection.lastError("snapshot query returned no result").description)
        }
        defer { mysql_free_result(result) }
        let count = Int(mysql_num_fields(result))
        var rows = 0
        var failure: CDCError?
        while let row = mysql_fetch_row(result) {
            guard let lengths = mysql_fetch_lengths(result) else { break }
            if failure == nil {
                do throws(CDCError) {
                    try body(SnapshotRowFields(row: row, lengths: lengths, count: count))
                } catch {
                    failure = error
                }
            }
            rows += 1
        }
        if let failure { throw failure }
        if mysql_errno(handle) != 0 {
            throw CDCError(.io, connection.lastError("reading a snapshot chunk").description)
        }
        return rows
    }
}

/// One streamed row's fields, valid only inside the `SnapshotReader.stream` callback.
public struct SnapshotRowFields {
    let row: MYSQL_ROW
    let lengths: UnsafeMutablePointer<UInt>
    public let count: Int

    /// The field's bytes, nil for SQL NULL.
    @inline(__always)
    public subscript(index: Int) -> UnsafeRawBufferPointer? {
        guard let cell = row[index] else { return nil }
        return UnsafeRawBufferPointer(start: cell, count: Int(lengths[index]))
    }
}
