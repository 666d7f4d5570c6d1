import TestSupport
import Testing

@testable import BinlogDecoder

/// QUERY_EVENT: thread id, error code, default database and statement, as `mariadb-binlog` printed them.
@Suite struct QueryEventTests {
    /// MariaDBShopBinlog at 427: `Query thread_id=8 exec_time=… error_code=0` and the CREATE TABLE statement (no
    /// default database: the session had none).
    @Test func mariaDBQuery() throws {
        let binlog = DecodedBinlog(try Hex.bytes(MariaDBShopBinlog.hex))
        let entry = try #require(binlog.entries.first { $0.event.offset == 427 })
        guard case .query(let query) = entry.event.body else {
            Issue.record("not a query: \(entry.event.body)")
            return
        }
        #expect(query.threadID == 8 && query.errorCode == 0 && query.database.isEmpty)
        #expect(query.query == "CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(20) CHARACTER SET utf8mb4)")
    }

    /// `mysql/binlog-invisible-columns.000001`: `use \`mysql\``, then the CREATE TABLE of the invisible columns.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func mysqlQuery() throws {
        let binlog = try DecodedBinlog(fixture: "mysql/binlog-invisible-columns.000001")
        let queries = binlog.entries.compactMap { entry -> QueryEvent? in
            if case .query(let query) = entry.event.body { return query } else { return nil }
        }
        let create = try #require(queries.first { $0.query.hasPrefix("CREATE TABLE") })
        #expect(create.database == "mysql" && create.threadID == 9)
        #expect(
            create.query
                == "CREATE TABLE t1 (f1 INT UNSIGNED INVISIBLE, f2 INT UNSIGNED INVISIBLE, f3 INT , f4 TEXT, f5 BLOB, f6 BIGINT UNSIGNED INVISIBLE)"
        )
        #expect(queries.filter { $0.query == "BEGIN" }.count == 3)
    }

    /// Post-header: thread_id u32 · exec_time u32 · db_len u8 · error_code u16 · status_vars_len u16; then status
    /// variables, db, NUL, statement.
    @Test func layoutAndDamage() throws {
        func body(dbLength: UInt8 = 2, status: [UInt8] = [1, 2, 3], statusLength: UInt16? = nil) -> [UInt8] {
            let length = statusLength ?? UInt16(status.count)
            return [9, 0, 0, 0, 1, 0, 0, 0, dbLength, 5, 0, UInt8(length & 0xff), UInt8(length >> 8)]
                + status + Array("db".utf8) + [0] + Array("SELECT 1".utf8)
        }
        let good = body()
        let query = try QueryEvent.parse(
            good, body: 0..<good.count, postHeaderLength: 13, compressed: false, decompressor: nil)
        #expect(query == QueryEvent(threadID: 9, executionTime: 1, errorCode: 5, database: "db", query: "SELECT 1"))
        for damaged in [body(statusLength: 500), body(dbLength: 200)] {
            #expect(throws: DecodeError.self) {
                try QueryEvent.parse(
                    damaged, body: 0..<damaged.count, postHeaderLength: 13, compressed: false, decompressor: nil)
            }
        }
        for cut in 0..<16 {
            #expect(throws: DecodeError.self) {
                try QueryEvent.parse(good, body: 0..<cut, postHeaderLength: 13, compressed: false, decompressor: nil)
            }
        }
        #expect(throws: DecodeError.self) {
            try QueryEvent.parse(good, body: 0..<good.count, postHeaderLength: 13, compressed: true, decompressor: nil)
        }
    }
}
