import CDCCore
import Foundation
import Testing

@testable import BinlogDecoder

/// The record line: the example of docs/record-format.md rendered from real events, key order, absent columns.
@Suite struct RecordRendererTests {
    static func render(
        _ operation: RecordRenderer.Operation, _ rows: ShopBinlog.Rows, source: RecordRenderer.Source,
        map: TableMap? = nil, row: Int = 0
    ) throws -> String {
        let table = TableRenderInfo(map: map ?? rows.map)
        var cursor = try RowCursor(event: rows.event, columns: table.map.columns, isMariaDB: true)
        var before: [ColumnValue] = []
        var after: [ColumnValue] = []
        for _ in 0...row { _ = try cursor.next(before: &before, after: &after) }
        var out = OutputBuffer()
        try RecordRenderer().append(
            operation, table: table, before: rows.event.kind == .write ? nil : before,
            after: rows.event.kind == .delete ? nil : after, bytes: rows.event.bytes,
            source: source, into: &out)
        return String(decoding: out.array, as: UTF8.self)
    }

    static func source(gtid: String?, position: UInt64 = 1234, row: Int = 0) -> RecordRenderer.Source {
        RecordRenderer.Source(
            serverID: 1, file: Array("mysql-bin.000001".utf8), position: position, row: row,
            gtid: gtid.map { Array($0.utf8) }, timestamp: 1_700_000_000)
    }

    /// The one-line example at the top of docs/record-format.md, byte for byte, from the real UPDATE of
    /// `shop.orders` (7, 'old') → (7, 'new') with the example's position, GTID and timestamp.
    @Test func documentedExample() throws {
        let docs = try String(contentsOfFile: Self.packageRoot + "/docs/record-format.md", encoding: .utf8)
        let example = try #require(docs.split(separator: "\n").first { $0.hasPrefix("{\"op\":\"update\"") })
        let shop = try ShopBinlog()
        let line = try Self.render(.update, try shop.rows(at: 1018), source: Self.source(gtid: "0-1-42"))
        #expect(line == example + "\n")
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// Insert: `before` null; delete: `after` null; a NULL column is `null`; GTID null when the transaction has none.
    @Test func operations() throws {
        let shop = try ShopBinlog()
        let insert = try Self.render(
            .insert, try shop.rows(at: 1525), source: Self.source(gtid: nil, position: 1525, row: 0))
        #expect(
            insert == """
                {"op":"insert","db":"shop","table":"t_minimal","before":null,"after":{"id":1,"a":10,"b":"x","c":null},\
                "source":{"server_id":1,"file":"mysql-bin.000001","pos":1525,"row":0,"gtid":null,"ts":1700000000},\
                "key":"mysql-bin.000001:1525:0"}

                """)
        let second = try Self.render(
            .insert, try shop.rows(at: 1525), source: Self.source(gtid: "0-1-887", position: 1525, row: 1), row: 1)
        #expect(second.contains("\"after\":{\"id\":2,\"a\":20,\"b\":\"y\",\"c\":5}"))
        #expect(
            second.contains("\"row\":1,\"gtid\":\"0-1-887\"")
                && second.hasSuffix("\"key\":\"mysql-bin.000001:1525:1\"}\n"))
    }

    /// `binlog_row_image=MINIMAL`: columns not in the image are absent, not null.
    @Test func absentColumnsAreOmitted() throws {
        let shop = try ShopBinlog()
        let update = try Self.render(
            .update, try shop.rows(at: 1803), source: Self.source(gtid: "0-1-888", position: 1803))
        #expect(
            update.hasPrefix(
                "{\"op\":\"update\",\"db\":\"shop\",\"table\":\"t_minimal\",\"before\":{\"id\":1},\"after\":{\"b\":\"z\"},"
            ))
        let delete = try Self.render(
            .delete, try shop.rows(at: 2057), source: Self.source(gtid: "0-1-889", position: 2057))
        #expect(
            delete.hasPrefix(
                "{\"op\":\"delete\",\"db\":\"shop\",\"table\":\"t_minimal\",\"before\":{\"id\":2},\"after\":null,"))
    }

    /// Without column names, columns are `@1`, `@2`, … (1-based, as `mariadb-binlog -v` prints them).
    @Test func ordinalNames() throws {
        let shop = try ShopBinlog()
        let rows = try shop.rows(at: 1018)
        var map = rows.map
        for index in map.columns.indices { map.columns[index].name = nil }
        let line = try Self.render(.update, rows, source: Self.source(gtid: nil), map: map)
        #expect(line.contains("\"before\":{\"@1\":7,\"@2\":\"old\"},\"after\":{\"@1\":7,\"@2\":\"new\"}"))
    }

    /// Every line is valid JSON with the fields in the documented order, whatever the names hold.
    @Test func keyOrderAndEscaping() throws {
        let shop = try ShopBinlog()
        let rows = try shop.rows(at: 1018)
        var map = rows.map
        map.database = "we\"ird"
        map.table = "ta\\ble\n"
        map.columns[1].name = "n\u{1}te"
        let line = try Self.render(.update, rows, source: Self.source(gtid: "0-1-42"), map: map)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["db"] as? String == "we\"ird" && object["table"] as? String == "ta\\ble\n")
        let after = try #require(object["after"] as? [String: Any])
        #expect(after["n\u{1}te"] as? String == "new")
        let keys = [
            "\"op\":", "\"db\":", "\"table\":", "\"before\":", "\"after\":", "\"source\":", "\"server_id\":",
            "\"file\":", "\"pos\":", "\"row\":", "\"gtid\":", "\"ts\":", "\"key\":",
        ]
        let positions = keys.compactMap { line.range(of: $0)?.lowerBound }
        #expect(positions.count == keys.count && positions == positions.sorted())
    }

    /// A value that cannot be rendered names its table and column.
    @Test func damagedValueNamesItsColumn() throws {
        let map = TableMap(
            tableID: 1, flags: 0, database: "db", table: "t",
            columns: [
                TableColumn(binlogType: .long, meta: 0, nullable: false),
                TableColumn(binlogType: .geometry, meta: 4, nullable: true),
            ],
            primaryKey: [], hasOptionalMetadata: false)
        var out = OutputBuffer()
        do {
            try RecordRenderer().append(
                .insert, table: TableRenderInfo(map: map), before: nil,
                after: [.int(1), .geometry(0..<2)], bytes: [0, 0], source: Self.source(gtid: nil),
                into: &out)
            Issue.record("a 2-byte geometry rendered")
        } catch {
            #expect(error.message.contains("db.t column 2"))
        }
    }
}
