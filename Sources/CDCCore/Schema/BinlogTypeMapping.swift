import BinlogDecoder

/// Which table-map type codes a column of a given SQL type is written with (MySQL's `Field::binlog_type()` and
/// `real_type()`), for checking table maps against schemas.
public enum BinlogTypeMapping {
    /// The type codes (`TableColumn.type`, i.e. the real type of a STRING column) `column` may appear as, most
    /// likely first. `mariadb` selects MariaDB's mapping where it differs (JSON is a LONGTEXT there). Empty for
    /// types this table does not know.
    public static func types(for column: ColumnSchema, mariadb: Bool) -> [ColumnType] {
        switch column.type {
        case "tinyint": return [.tiny]
        case "smallint": return [.short]
        case "mediumint": return [.int24]
        case "int": return [.long]
        case "bigint": return [.longLong]
        case "float": return [.float]
        case "double": return [.double]
        case "decimal": return [.newDecimal, .decimal]
        case "date": return [.date, .newDate]
        // Temporal columns created before MySQL 5.6 / MariaDB 10.1 (or with mysql56_temporal_format=OFF)
        // keep the old format.
        case "time": return [.time2, .time]
        case "datetime": return [.dateTime2, .dateTime]
        case "timestamp": return [.timestamp2, .timestamp]
        case "year": return [.year]
        case "bit": return [.bit]
        case "char", "binary": return [.string]
        case "enum": return [.enumType]
        case "set": return [.set]
        case "varchar", "varbinary":
            return column.compressed ? [.varcharCompressed] : [.varchar, .varString]
        case "tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob":
            return column.compressed ? [.blobCompressed] : [.blob]
        case "json": return mariadb ? [.blob] : [.json]
        case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
            "geometrycollection":
            return [.geometry]
        // MariaDB's type plugins store fixed-size binary strings.
        case "inet6", "inet4", "uuid": return [.string]
        case "vector": return mariadb ? [.varchar] : [.vector]
        default: return []
        }
    }

    /// True for the pre-5.6 temporal type codes whose table map carries no fractional precision.
    static func isLegacyTemporal(_ type: ColumnType) -> Bool {
        type == .time || type == .dateTime || type == .timestamp
    }
}
