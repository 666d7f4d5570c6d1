import BinlogCompression
import BinlogDecoder
import Foundation
import TestSupport
import Testing

/// Row changes out of real rows events: before/after images, NULLs, MINIMAL images, counts.
@Suite struct RowCursorTests {
    struct Change: Equatable, CustomStringConvertible {
        var before: [String]?
        var after: [String]?
        var description: String { "before: \(before ?? []) after: \(after ?? [])" }
    }

    static func changes(_ entry: DecodedBinlog.Entry, _ rows: RowsEvent) throws -> [Change] {
        let map = try #require(entry.tableMap)
        var cursor = try RowCursor(event: rows, columns: map.columns, isMariaDB: entry.isMariaDB)
        var before: [ColumnValue] = []
        var after: [ColumnValue] = []
        var result: [Change] = []
        while try cursor.next(before: &before, after: &after) {
            result.append(
                Change(
                    before: rows.kind == .write ? nil : ValueText.describe(before, rows.bytes),
                    after: rows.kind == .delete ? nil : ValueText.describe(after, rows.bytes)))
        }
        return result
    }

    /// The 2 KiB binlog of the throwaway MariaDB (MariaDBShopBinlog): rows as `mariadb-binlog -vv` printed them,
    /// including a NULL and the MINIMAL images of an UPDATE (before: the key; after: the changed column) and a DELETE.
    @Test func mariaDBShopBinlog() throws {
        let binlog = DecodedBinlog(try Hex.bytes(MariaDBShopBinlog.hex))
        #expect(binlog.error == nil)
        var byOffset: [UInt64: [Change]] = [:]
        for (entry, rows) in binlog.rowsEvents { byOffset[entry.event.offset] = try Self.changes(entry, rows) }
        let t = ValueText.text
        let absent = "\(ColumnValue.absent)"
        #expect(byOffset[761] == [Change(before: nil, after: ["int(7)", t("old")])])
        #expect(byOffset[1018] == [Change(before: ["int(7)", t("old")], after: ["int(7)", t("new")])])
        #expect(
            byOffset[1525] == [
                Change(before: nil, after: ["int(1)", "int(10)", t("x"), "null"]),
                Change(before: nil, after: ["int(2)", "int(20)", t("y"), "int(5)"]),
            ])
        #expect(
            byOffset[1803] == [
                Change(before: ["int(1)", absent, absent, absent], after: [absent, absent, t("z"), absent])
            ])
        #expect(byOffset[2057] == [Change(before: ["int(2)", absent, absent, absent], after: nil)])
    }

    /// MySQL 8.0.28 `mysql-enum-string-set.000001`: the values rust_mysql_common's test asserts (expected_values.json
    /// `write_after`, `update_before`, `update_after`, `delete_before`): strings, ENUM as its index, SET as its bitmask.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func enumStringSet() throws {
        let data = Data(try Fixtures.bytes("mysql/expected_values.json"))
        let top = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let files = try #require(top["files"] as? [String: Any])
        let file = try #require(files["mysql-enum-string-set.000001"] as? [String: Any])
        let expectations = try #require(file["rust_test_expectations"] as? [String: Any])
        func image(_ key: String) throws -> [String] {
            let values = try #require(expectations[key] as? [Any])
            return try values.enumerated().map { column, value in
                if let text = value as? String { return ValueText.text(text) }
                if let number = value as? Int { return "enumIndex(\(number))" }
                let object = try #require(value as? [String: Any])
                let hex = try #require(object["bytes_hex"] as? String)
                let bits = try Hex.bytes(hex).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                #expect(column == 3)
                return "setBits(\(bits))"
            }
        }
        let binlog = try DecodedBinlog(fixture: "mysql/mysql-enum-string-set.000001")
        let events = binlog.rowsEvents
        #expect(events.count == 3)
        #expect(
            try Self.changes(events[0].entry, events[0].rows) == [Change(before: nil, after: try image("write_after"))])
        #expect(
            try Self.changes(events[1].entry, events[1].rows)
                == [Change(before: try image("update_before"), after: try image("update_after"))])
        #expect(
            try Self.changes(events[2].entry, events[2].rows) == [
                Change(before: try image("delete_before"), after: nil)
            ])
    }

    /// `mysql/vector.binlog` event 12: rows (1, [1.1, 2.2, 3.3]) and (2, [1.0, -1.0, 0.0]) as little-endian float32
    /// (INDEX.md gives the bytes).
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func vectors() throws {
        let binlog = try DecodedBinlog(fixture: "mysql/vector.binlog")
        let event = try #require(binlog.rowsEvents.first { $0.entry.tableMap?.table == "foo" })
        let changes = try Self.changes(event.entry, event.rows)
        #expect(
            changes.prefix(2).map(\.after) == [
                ["uint(1)", "vector:cdcc8c3fcdcc0c4033335340"],
                ["uint(2)", "vector:0000803f000080bf00000000"],
            ])
    }

    /// Row images per table and operation in the MariaDB fixture workload, against what `mariadb-binlog` printed
    /// (binlog_summary.json: `row_images_by_mariadb_binlog`), for the plain and the compressed variant.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage), arguments: ["full-metadata", "compressed"])
    func mariaDBRowCounts(variant: String) throws {
        let data = Data(try Fixtures.bytes("mariadb/\(variant)/binlog_summary.json"))
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let info = try #require(summary["mysql-bin.000001"] as? [String: Any])
        let expected = try #require(info["row_images_by_mariadb_binlog"] as? [String: Int])
        let binlog = try DecodedBinlog(fixture: "mariadb/\(variant)/mysql-bin.000001")
        #expect(binlog.error == nil)
        var counts: [String: Int] = [:]
        for (entry, rows) in binlog.rowsEvents {
            let map = try #require(entry.tableMap)
            let operation = rows.kind == .write ? "INSERT" : rows.kind == .update ? "UPDATE" : "DELETE"
            counts["\(map.database).\(map.table) \(operation)", default: 0] += try Self.changes(entry, rows).count
        }
        #expect(counts == expected)
    }

    @Test func columnCountMustMatchTheTableMap() throws {
        let binlog = DecodedBinlog(try Hex.bytes(MariaDBShopBinlog.hex))
        let (entry, rows) = try #require(binlog.rowsEvents.first)
        let map = try #require(entry.tableMap)
        do {
            _ = try RowCursor(event: rows, columns: Array(map.columns.dropLast()), isMariaDB: true)
            Issue.record("column count mismatch accepted")
        } catch {
            #expect(error.code == .missingContext)
        }
    }

    /// Every cut of a real rows event's row data either decodes whole rows or throws; never more rows than there are.
    @Test func truncatedRowData() throws {
        let binlog = DecodedBinlog(try Hex.bytes(MariaDBShopBinlog.hex))
        for (entry, rows) in binlog.rowsEvents {
            let map = try #require(entry.tableMap)
            let total = try Self.changes(entry, rows).count
            for cut in 1..<rows.rows.count {
                var damaged = rows
                damaged.rows = rows.rows.lowerBound..<(rows.rows.upperBound - cut)
                var cursor = try RowCursor(event: damaged, columns: map.columns, isMariaDB: true)
                var before: [ColumnValue] = []
                var after: [ColumnValue] = []
                var count = 0
                do {
                    while try cursor.next(before: &before, after: &after) { count += 1 }
                    #expect(count < total)
                } catch {
                    #expect(error.code == .truncated || error.code == .malformed)
                }
            }
        }
    }
}
