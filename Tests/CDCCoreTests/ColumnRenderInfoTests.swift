import CDCCore
import Testing

@testable import BinlogDecoder

/// What rendering needs per column, worked out from the table map.
@Suite struct ColumnRenderInfoTests {
    static func column(
        _ type: ColumnType, meta: UInt16 = 0, name: String? = nil, collation: UInt16? = nil,
        labels: [[UInt8]]? = nil
    ) -> TableColumn {
        var column = TableColumn(binlogType: type, meta: meta, nullable: true)
        column.name = name
        column.collation = collation
        column.labels = labels
        return column
    }

    static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func keys() {
        #expect(Self.string(ColumnRenderInfo(column: Self.column(.long), index: 0).key) == "\"@1\":")
        #expect(Self.string(ColumnRenderInfo(column: Self.column(.long), index: 41).key) == "\"@42\":")
        #expect(
            Self.string(ColumnRenderInfo(column: Self.column(.long, name: "a\"b\\c\n"), index: 0).key)
                == "\"a\\\"b\\\\c\\n\":")
        #expect(Self.string(ColumnRenderInfo(column: Self.column(.long, name: "日本"), index: 0).key) == "\"日本\":")
    }

    /// Text when the character set is known and not binary; base64 otherwise; BINARY(n) (STRING with the binary
    /// collation 63) padded to n bytes.
    @Test func textKinds() {
        func kind(_ column: TableColumn) -> String {
            switch ColumnRenderInfo(column: column, index: 0).textKind {
            case .text(let charset): return "text:\(charset.name)"
            case .binary(let padTo): return "binary:\(padTo)"
            }
        }
        #expect(kind(Self.column(.varchar, meta: 80, collation: 45)) == "text:utf8mb4")
        #expect(kind(Self.column(.blob, meta: 2, collation: 8)) == "text:latin1")
        #expect(kind(Self.column(.blob, meta: 2, collation: 63)) == "binary:0")
        #expect(kind(Self.column(.blob, meta: 2)) == "binary:0")
        #expect(kind(Self.column(.string, meta: 0xfe04, collation: 63)) == "binary:4")
        #expect(kind(Self.column(.string, meta: 0xfe04)) == "binary:0")
        #expect(kind(Self.column(.varchar, meta: 10, collation: 63)) == "binary:0")
        #expect(kind(Self.column(.varchar, meta: 10, collation: 9999)) == "binary:0")
    }

    /// ENUM/SET labels: converted from their character set and escaped once.
    @Test func labels() throws {
        let latin1 = ColumnRenderInfo(
            column: Self.column(
                .string, meta: 0xf701, collation: 8,
                labels: [[0x63, 0x61, 0x66, 0xe9], [0x22]]), index: 0)
        #expect(try #require(latin1.labels).map(Self.string) == ["café", "\\\""])
        let unknown = ColumnRenderInfo(
            column: Self.column(.string, meta: 0xf701, labels: [Array("ünï".utf8)]), index: 0)
        #expect(try #require(unknown.labels).map(Self.string) == ["ünï"])
        #expect(ColumnRenderInfo(column: Self.column(.long), index: 0).labels == nil)
    }

    @Test func tableInfo() {
        let map = TableMap(
            tableID: 1, flags: 0, database: "d\"b", table: "t", columns: [Self.column(.long)],
            primaryKey: [], hasOptionalMetadata: false)
        let info = TableRenderInfo(map: map)
        #expect(Self.string(info.dbAndTable) == "\"db\":\"d\\\"b\",\"table\":\"t\"")
        #expect(info.columns.count == 1 && info.rowCounts == [0, 0, 0, 0])
    }
}
