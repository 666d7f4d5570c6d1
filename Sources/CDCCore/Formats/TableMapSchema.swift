import BinlogDecoder

/// A `TableSchema` worked out from a table map alone, so the Avro schema of a table version comes from the same
/// generator (`AvroSchema`, docs/avro.md) whether or not the schema registry knows the table.
///
/// The table map gives each column's binlog type, metadata (length, precision, fsp, BIT width), nullability and —
/// with `binlog_row_metadata=FULL` — names, signedness, character sets, ENUM/SET labels and the primary key. What it
/// cannot tell is guessed the way the record format does (docs/record-format.md): a string column is text when its
/// character set is known and not binary, else binary; an integer is signed unless the metadata says unsigned;
/// a column without a name is `@1`, `@2`, …
enum TableMapSchema {
    static func tableSchema(_ info: TableRenderInfo) -> TableSchema {
        let map = info.map
        var columns: [ColumnSchema] = []
        columns.reserveCapacity(map.columns.count)
        for (index, column) in map.columns.enumerated() {
            columns.append(columnSchema(column, name: column.name ?? "@\(index + 1)", info: info.columns[index]))
        }
        let primaryKey = map.primaryKey.filter { $0 < columns.count }.map { columns[$0].name }
        return TableSchema(database: map.database, table: map.table, columns: columns, primaryKey: primaryKey)
    }

    static func columnSchema(_ column: TableColumn, name: String, info: ColumnRenderInfo) -> ColumnSchema {
        var schema = ColumnSchema(
            name: name, type: "", unsigned: column.unsigned ?? false, nullable: column.nullable)
        let charset: Charset?
        switch info.textKind {
        case .text(let known): charset = known
        case .binary: charset = nil
        }
        let perCharacter = max(1, charset?.maxBytesPerChar ?? 1)
        switch column.type {
        case .tiny: schema.type = "tinyint"
        case .short: schema.type = "smallint"
        case .int24: schema.type = "mediumint"
        case .long: schema.type = "int"
        case .longLong: schema.type = "bigint"
        case .float: schema.type = "float"
        case .double: schema.type = "double"
        case .newDecimal, .decimal:
            schema.type = "decimal"
            schema.precision = Int(column.meta & 0xff)
            schema.scale = Int(column.meta >> 8)
        case .date, .newDate: schema.type = "date"
        case .time, .time2: schema.type = "time"
        case .dateTime, .dateTime2: schema.type = "datetime"
        case .timestamp, .timestamp2: schema.type = "timestamp"
        case .year: schema.type = "year"
        case .bit:
            schema.type = "bit"
            schema.length = Int(column.meta >> 8) * 8 + Int(column.meta & 0xff)
        case .string:
            schema.type = charset == nil ? "binary" : "char"
            schema.length = column.stringLength / perCharacter
        case .varchar, .varString, .varcharCompressed:
            schema.type = charset == nil ? "varbinary" : "varchar"
            schema.length = Int(column.meta) / perCharacter
            schema.compressed = column.type == .varcharCompressed
        case .blob, .tinyBlob, .mediumBlob, .longBlob, .blobCompressed:
            let size = ["tiny", "", "medium", "long"][min(3, max(0, Int(column.meta) - 1))]
            schema.type = size + (charset == nil ? "blob" : "text")
            schema.compressed = column.type == .blobCompressed
        case .enumType, .set:
            schema.type = column.type == .set ? "set" : "enum"
            let labelCharset = column.collation.flatMap { Charset.forCollation($0) } ?? .utf8mb4
            schema.labels = column.labels?.map { label in
                label.withUnsafeBytes { String(decoding: UTF8Text.convert($0, charset: labelCharset), as: UTF8.self) }
            }
        case .json: schema.type = "json"
        case .geometry:
            let kinds = [
                "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
                "geometrycollection",
            ]
            schema.type = kinds[Int(min(column.geometryType ?? 0, UInt64(kinds.count - 1)))]
        case .vector:
            schema.type = "vector"
            schema.length = column.vectorDimensions.map { Int(min($0, 65_535)) }
        default:
            // NULL-typed and unknown codes: no value but NULL can be decoded, a string holds anything.
            schema.type = column.type.name.lowercased()
        }
        if schema.type == "time" || schema.type == "datetime" || schema.type == "timestamp" {
            let fsp = BinlogTypeMapping.isLegacyTemporal(column.type) ? Int(column.legacyFSP ?? 0) : Int(column.meta)
            schema.fsp = fsp > 0 ? min(6, fsp) : nil
        }
        return schema
    }
}
