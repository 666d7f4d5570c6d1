/// TABLE_MAP_EVENT: binds a table id to a table's name and column types for the rows events that follow.
///
/// Post-header: `table_id` u48 (u32 in very old servers) · `flags` u16.
/// Body: `db_len` u8 · db · NUL · `table_len` u8 · table · NUL · `column_count` packed · `column_types` u8[n] ·
/// `metadata_len` packed · metadata · `null_bitmap` · optional metadata TLVs (`binlog_row_metadata`).
public struct TableMap: Sendable, Equatable {
    /// MySQL and MariaDB allow 4096 columns per table; anything above is a damaged event.
    public static let maxColumns = 4096

    public var tableID: UInt64
    public var flags: UInt16
    public var database: String
    public var table: String
    public var columns: [TableColumn]
    /// Primary key column indexes from the metadata (empty when not written or no primary key).
    public var primaryKey: [Int]
    /// True when the event carried optional metadata (`binlog_row_metadata` FULL or MINIMAL).
    public var hasOptionalMetadata: Bool

    /// A table map built from a known schema (the snapshot renders its rows with the map a rows event would have).
    public init(
        tableID: UInt64, flags: UInt16, database: String, table: String, columns: [TableColumn], primaryKey: [Int],
        hasOptionalMetadata: Bool
    ) {
        self.tableID = tableID
        self.flags = flags
        self.database = database
        self.table = table
        self.columns = columns
        self.primaryKey = primaryKey
        self.hasOptionalMetadata = hasOptionalMetadata
    }

    enum MetadataType: UInt8 {
        case signedness = 1
        case defaultCharset, columnCharset, columnName, setStrValue, enumStrValue, geometryType,
            simplePrimaryKey, primaryKeyWithPrefix, enumAndSetDefaultCharset, enumAndSetColumnCharset,
            columnVisibility, vectorDimensionality
    }

    /// Parses the body (`range` excludes header and checksum) with the table-id width of this server.
    static func parse(_ bytes: [UInt8], body range: Range<Int>, postHeaderLength: Int) throws(DecodeError) -> TableMap {
        var reader = ByteReader(bytes, range: range)
        // A 6-byte post-header (MySQL 5.1.4 and older) has a 4-byte table id.
        let tableID = try reader.readLE(postHeaderLength >= 8 ? 6 : 4, "table_id")
        let flags = try reader.readUInt16LE("flags")
        if postHeaderLength > 8 { try reader.skip(postHeaderLength - 8, "post-header") }
        let dbLength = Int(try reader.readUInt8("db name length"))
        let database = try reader.readString(dbLength, "db name")
        try reader.skip(1, "db name terminator")
        let tableLength = Int(try reader.readUInt8("table name length"))
        let table = try reader.readString(tableLength, "table name")
        try reader.skip(1, "table name terminator")
        let columnCount = try reader.readPackedLength("column count")
        if columnCount > maxColumns {
            throw DecodeError(
                .limitExceeded,
                "table map for \(database).\(table) declares \(columnCount) columns (at most \(maxColumns))")
        }
        let typesRange = try reader.readRange(columnCount, "column types")
        // Servers before MySQL 5.1.18 (and their development trees) end the event here: no metadata, no null bitmap.
        let hasMetadata = !reader.isAtEnd
        let metaLength = hasMetadata ? try reader.readPackedLength("metadata length") : 0
        var meta = ByteReader(bytes, range: try reader.readRange(metaLength, "metadata"))
        let nullRange = hasMetadata ? try reader.readRange((columnCount + 7) / 8, "null bitmap") : 0..<0

        var columns: [TableColumn] = []
        columns.reserveCapacity(columnCount)
        for index in 0..<columnCount {
            let type = ColumnType(rawValue: bytes[typesRange.lowerBound + index])
            let value: UInt16
            switch hasMetadata ? type.metadataLength : 0 {
            case 1: value = UInt16(try meta.readUInt8("column metadata"))
            case 2:
                if type == .string || type == .enumType || type == .set {
                    // real type first, then length: kept as byte0 << 8 | byte1.
                    value = UInt16(truncatingIfNeeded: try meta.readBE(2, "column metadata"))
                } else {
                    value = try meta.readUInt16LE("column metadata")
                }
            default: value = 0
            }
            let nullable = nullRange.isEmpty || bytes[nullRange.lowerBound + index / 8] & (1 << UInt8(index % 8)) != 0
            columns.append(TableColumn(binlogType: type, meta: value, nullable: nullable))
        }

        var map = TableMap(
            tableID: tableID, flags: flags, database: database, table: table, columns: columns,
            primaryKey: [], hasOptionalMetadata: false)
        if !reader.isAtEnd {
            map.hasOptionalMetadata = true
            try map.parseOptionalMetadata(&reader)
        }
        return map
    }

    private mutating func parseOptionalMetadata(_ reader: inout ByteReader) throws(DecodeError) {
        let numeric = columns.indices.filter { columns[$0].type.isNumeric }
        let character = columns.indices.filter { columns[$0].isCharacterColumn }
        let enumSet = columns.indices.filter { columns[$0].isEnumOrSet }
        let enums = columns.indices.filter { columns[$0].type == .enumType }
        let sets = columns.indices.filter { columns[$0].type == .set }
        let geometries = columns.indices.filter { columns[$0].type == .geometry }
        let vectors = columns.indices.filter { columns[$0].type == .vector }

        while !reader.isAtEnd {
            let kind = try reader.readUInt8("metadata type")
            let length = try reader.readPackedLength("metadata length")
            let range = try reader.readRange(length, "metadata value")
            var field = ByteReader(reader.bytes, range: range)
            switch MetadataType(rawValue: kind) {
            case .signedness:
                for (order, column) in numeric.enumerated() {
                    let byteIndex = order / 8
                    guard byteIndex < field.remaining else { break }
                    let byte = field.bytes[field.position + byteIndex]
                    columns[column].unsigned = byte & (0x80 >> UInt8(order % 8)) != 0
                }
            case .defaultCharset, .enumAndSetDefaultCharset:
                let targets = MetadataType(rawValue: kind) == .defaultCharset ? character : enumSet
                let collation = UInt16(truncatingIfNeeded: try field.readPackedInt("default charset"))
                for column in targets { columns[column].collation = collation }
                while !field.isAtEnd {
                    let order = try field.readPackedInt("charset column index")
                    let other = UInt16(truncatingIfNeeded: try field.readPackedInt("charset"))
                    guard order < UInt64(targets.count) else {
                        throw DecodeError(.malformed, "charset metadata names column \(order) of \(targets.count)")
                    }
                    columns[targets[Int(order)]].collation = other
                }
            case .columnCharset, .enumAndSetColumnCharset:
                let targets = MetadataType(rawValue: kind) == .columnCharset ? character : enumSet
                for column in targets {
                    guard !field.isAtEnd else { break }
                    columns[column].collation = UInt16(truncatingIfNeeded: try field.readPackedInt("column charset"))
                }
            case .columnName:
                for column in columns.indices {
                    guard !field.isAtEnd else { break }
                    let nameLength = try field.readPackedLength("column name length")
                    columns[column].name = try field.readString(nameLength, "column name")
                }
            case .setStrValue, .enumStrValue:
                let targets = MetadataType(rawValue: kind) == .setStrValue ? sets : enums
                for column in targets {
                    guard !field.isAtEnd else { break }
                    let count = try field.readPackedLength("label count")
                    var labels: [[UInt8]] = []
                    labels.reserveCapacity(count)
                    for _ in 0..<count {
                        let labelLength = try field.readPackedLength("label length")
                        labels.append(try field.readArray(labelLength, "label"))
                    }
                    columns[column].labels = labels
                }
            case .geometryType:
                for column in geometries {
                    guard !field.isAtEnd else { break }
                    columns[column].geometryType = try field.readPackedInt("geometry type")
                }
            case .simplePrimaryKey:
                while !field.isAtEnd {
                    let index = try field.readPackedInt("primary key column")
                    try addPrimaryKey(index)
                }
            case .primaryKeyWithPrefix:
                while !field.isAtEnd {
                    let index = try field.readPackedInt("primary key column")
                    _ = try field.readPackedInt("primary key prefix")
                    try addPrimaryKey(index)
                }
            case .columnVisibility:
                for column in columns.indices {
                    let byteIndex = column / 8
                    guard byteIndex < field.remaining else { break }
                    let byte = field.bytes[field.position + byteIndex]
                    columns[column].visible = byte & (0x80 >> UInt8(column % 8)) != 0
                }
            case .vectorDimensionality:
                for column in vectors {
                    guard !field.isAtEnd else { break }
                    columns[column].vectorDimensions = try field.readPackedInt("vector dimensions")
                }
            case nil:
                break  // a newer server's metadata: skipped, its length told us how far.
            }
        }
    }

    private mutating func addPrimaryKey(_ index: UInt64) throws(DecodeError) {
        guard index < UInt64(columns.count) else {
            throw DecodeError(.malformed, "primary key names column \(index) of \(columns.count)")
        }
        primaryKey.append(Int(index))
        columns[Int(index)].isPrimaryKey = true
    }
}
