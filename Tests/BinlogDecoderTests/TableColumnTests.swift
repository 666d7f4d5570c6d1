import BinlogDecoder
import Testing

/// The STRING type's metadata: `byte0 << 8 | byte1`, where byte0 is the real type and byte1 the length, except for
/// CHAR columns longer than 255 bytes, which borrow bits 4–5 of byte0 (inverted) as length bits 8–9 — MySQL's rule
/// (bug #37426; `log_event_print_value` and `Field_string::do_save_field_metadata`):
///
///     if ((byte0 & 0x30) != 0x30) { length = byte1 | (((byte0 & 0x30) ^ 0x30) << 4); type = byte0 | 0x30; }
///     else { length = byte1; type = byte0; }
@Suite struct TableColumnTests {
    @Test(arguments: [
        // meta, real type, length (values printed by mariadb-binlog for the fixtures: STRING(50) meta=65074,
        // STRING(512) meta=56832, STRING(8) meta=65032, ENUM(1 byte) meta=63233, SET(1 bytes) meta=63489)
        (UInt16(0xfe32), ColumnType.string, 50),
        (0xde00, .string, 512),
        (0xfe08, .string, 8),
        (0xf701, .enumType, 1),
        (0xf802, .set, 2),
        (0xf808, .set, 8),
        (0xcefc, .string, 1020),  // CHAR(255) utf8mb4, from the throwaway MariaDB's table map
        (0xeeff, .string, 0x1ff),
        (0xfeff, .string, 255),
    ])
    func stringRealType(meta: UInt16, type: ColumnType, length: Int) {
        let column = TableColumn(binlogType: .string, meta: meta, nullable: true)
        #expect(column.type == type)
        #expect(column.stringLength == length)
        #expect(column.binlogType == .string)
    }

    /// Metadata below 256 (no real-type byte): the type stays STRING and the metadata is the length.
    @Test func shortMetadata() {
        let column = TableColumn(binlogType: .string, meta: 40, nullable: false)
        #expect(column.type == .string && column.stringLength == 40)
    }

    @Test func otherTypesKeepTheirType() {
        let varchar = TableColumn(binlogType: .varchar, meta: 0xf701, nullable: true)
        #expect(varchar.type == .varchar && varchar.stringLength == 0xf701)
        let blob = TableColumn(binlogType: .blob, meta: 2, nullable: true)
        #expect(blob.type == .blob && blob.isCharacterColumn && !blob.isEnumOrSet)
    }

    @Test func characterColumns() {
        let character: [ColumnType] = [
            .string, .varString, .varchar, .blob, .tinyBlob, .mediumBlob, .longBlob,
            .varcharCompressed, .blobCompressed, .vector,
        ]
        for type in character {
            #expect(TableColumn(binlogType: type, meta: 0, nullable: true).isCharacterColumn, "\(type.name)")
        }
        let enumColumn = TableColumn(binlogType: .string, meta: 0xf701, nullable: true)
        #expect(!enumColumn.isCharacterColumn && enumColumn.isEnumOrSet)
        for type: ColumnType in [.json, .geometry, .long, .newDecimal] {
            #expect(!TableColumn(binlogType: type, meta: 0, nullable: true).isCharacterColumn, "\(type.name)")
        }
    }

    @Test func defaults() {
        let column = TableColumn(binlogType: .long, meta: 0, nullable: false)
        #expect(column.name == nil && column.unsigned == nil && column.collation == nil && column.labels == nil)
        #expect(column.visible && !column.isPrimaryKey && column.legacyFSP == nil)
    }
}
