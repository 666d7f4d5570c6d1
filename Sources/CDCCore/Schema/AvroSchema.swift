/// The Avro schemas of one table version: the key (primary key columns, or all columns without one) and the
/// value (the record envelope of docs/record-format.md with `before`/`after` as nullable row records).
/// docs/avro.md documents the type mapping.
public struct AvroSchema: Sendable, Equatable {
    public var key: AvroType
    public var value: AvroType

    /// `mariadb` selects MariaDB's types where they differ (JSON is LONGTEXT there: a string either way).
    public init(table: TableSchema, mariadb: Bool = false) {
        let namespace = "binlog_sink.\(AvroName.sanitize(table.database)).\(AvroName.sanitize(table.table))"
        let names = AvroName.unique(table.columns.map(\.name))
        var rowFields: [AvroField] = []
        var keyFields: [AvroField] = []
        let primaryKey = table.primaryKey.map { $0.lowercased() }
        for (index, column) in table.columns.enumerated() {
            var properties = [AvroProperty("mysql.type", .string(column.columnType(mariadb: mariadb)))]
            if names[index] != column.name { properties.append(AvroProperty("mysql.name", .string(column.name))) }
            let base = Self.type(of: column)
            let isKey = primaryKey.contains(column.name.lowercased())
            rowFields.append(
                AvroField(
                    name: names[index], type: column.nullable && !isKey ? base.nullable : base,
                    defaultNull: column.nullable && !isKey, properties: properties))
            if isKey || primaryKey.isEmpty {
                keyFields.append(
                    AvroField(
                        name: names[index], type: column.nullable && !isKey ? base.nullable : base,
                        defaultNull: column.nullable && !isKey, properties: properties))
            }
        }
        // Key fields in primary key order.
        if !primaryKey.isEmpty {
            keyFields = primaryKey.compactMap { name in
                guard let index = table.columns.firstIndex(where: { $0.name.lowercased() == name }) else { return nil }
                return keyFields.first { $0.name == names[index] }
            }
        }
        key = .record(AvroRecord(name: "Key", namespace: namespace, fields: keyFields))
        let row = AvroRecord(
            name: "Value", namespace: namespace, doc: "A row of \(table.database).\(table.table)", fields: rowFields)
        let source = AvroRecord(
            name: "Source", namespace: "binlog_sink",
            fields: [
                AvroField(name: "server_id", type: .long),
                AvroField(name: "file", type: .string),
                AvroField(name: "pos", type: .long),
                AvroField(name: "row", type: .int),
                AvroField(name: "gtid", type: AvroType.string.nullable, defaultNull: true),
                AvroField(name: "ts", type: .long),
            ])
        value = .record(
            AvroRecord(
                name: "Envelope", namespace: namespace,
                fields: [
                    AvroField(name: "op", type: .string),
                    AvroField(name: "db", type: .string),
                    AvroField(name: "table", type: .string),
                    AvroField(name: "before", type: .union([.null, .record(row)]), defaultNull: true),
                    AvroField(name: "after", type: .union([.null, .named(row.fullName)]), defaultNull: true),
                    AvroField(name: "source", type: .record(source)),
                    AvroField(name: "key", type: .string),
                ]))
    }

    static func logical(_ base: AvroType, _ name: String, _ extra: [AvroProperty] = []) -> AvroType {
        .annotated(base, [AvroProperty("logicalType", .string(name))] + extra)
    }

    static func decimal(precision: Int, scale: Int) -> AvroType {
        logical(.bytes, "decimal", [AvroProperty("precision", .int(precision)), AvroProperty("scale", .int(scale))])
    }

    /// The Avro type of a non-null value of `column` (docs/avro.md).
    public static func type(of column: ColumnSchema) -> AvroType {
        switch column.type {
        case "tinyint", "smallint", "mediumint": return .int
        case "int": return column.unsigned ? .long : .int
        case "bigint": return column.unsigned ? decimal(precision: 20, scale: 0) : .long
        case "decimal":
            let precision = max(1, column.precision ?? 10)
            return decimal(precision: precision, scale: min(precision, column.scale ?? 0))
        case "float": return .float
        case "double": return .double
        case "date": return logical(.int, "date")
        case "datetime": return logical(.long, "local-timestamp-micros")
        case "timestamp": return logical(.long, "timestamp-micros")
        case "time": return .annotated(.long, [AvroProperty("binlog_sink.logical", .string("time-micros-signed"))])
        case "year": return .int
        case "bit": return (column.length ?? 1) <= 63 ? .long : .bytes
        case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "geometry", "point", "linestring",
            "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection":
            return .bytes
        case "vector": return .array(.float)
        default:
            // char, varchar, the text types, enum, set, json, inet4/inet6/uuid
            return .string
        }
    }
}
