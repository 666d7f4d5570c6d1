import BinlogDecoder

/// How one table is read by the snapshot: the table map its rows are rendered with (the same one a binlog rows
/// event of the table resolves to, so snapshot and binlog records render values identically), the SELECT list
/// that returns each column in a form that converts exactly to the decoder's `ColumnValue`, and the primary-key
/// chunking (keyset pagination).
public struct SnapshotTable: Sendable {
    /// What the SELECT returns for a column and how it becomes a `ColumnValue`.
    public enum Kind: Sendable, Equatable {
        case signed, unsigned
        /// `CAST(col AS DOUBLE)`: FLOAT's text form is rounded to 6 digits, the double is exact.
        case float
        case double
        case decimal(precision: UInt8, scale: UInt8)
        case year, date
        case time(fsp: UInt8)
        case dateTime(fsp: UInt8)
        /// Read in session time zone +00:00.
        case timestamp(fsp: UInt8)
        /// `col+0`: the number.
        case bit, enumIndex, setBits
        /// Raw bytes in the column's own character set (character_set_results = NULL).
        case bytes
        /// MySQL JSON: the server's text form (MariaDB's JSON is a LONGTEXT: `bytes`).
        case jsonText
        case geometry
        case vector
    }

    public let schema: TableSchema
    /// The completed table map: names, types, metadata, collations, labels, primary key.
    public let map: TableMap
    public let kinds: [Kind]
    /// The SELECT expressions, one per column.
    public let expressions: [String]
    /// Primary-key column indexes, in key order (empty: the table is read whole).
    public let keyColumns: [Int]

    public var name: TableName { schema.name }

    /// Builds the plan from the table's schema (information_schema via the registry's DDL reader). `registry`
    /// completes the table map exactly as it completes a rows event's.
    public init(schema: TableSchema, registry: SchemaRegistry) throws(CDCError) {
        self.schema = schema
        var columns: [TableColumn] = []
        var kinds: [Kind] = []
        var expressions: [String] = []
        for column in schema.columns {
            guard let type = BinlogTypeMapping.types(for: column, mariadb: registry.mariadb).first else {
                throw CDCError(
                    .usage,
                    "cannot snapshot \(schema.name): column \(column.name) has type \(column.type), which binlog-sink "
                        + "does not know; exclude the table (--exclude)")
            }
            let quoted = Self.quote(column.name)
            var expression = quoted
            let kind: Kind
            var meta: UInt16 = 0
            var binlogType = type
            switch type {
            case .tiny, .short, .int24, .long, .longLong:
                kind = column.unsigned ? .unsigned : .signed
            case .float:
                kind = .float
                meta = 4
                expression = "CAST(\(quoted) AS DOUBLE)"
            case .double:
                kind = .double
                meta = 8
            case .newDecimal, .decimal:
                let precision = UInt8(clamping: column.precision ?? 10)
                let scale = UInt8(clamping: column.scale ?? 0)
                kind = .decimal(precision: precision, scale: scale)
                binlogType = .newDecimal
                meta = UInt16(precision) | UInt16(scale) << 8
            case .year:
                kind = .year
            case .date, .newDate:
                kind = .date
            case .time2, .time:
                let fsp = UInt8(clamping: min(6, column.fsp ?? 0))
                kind = .time(fsp: fsp)
                binlogType = .time2
                meta = UInt16(fsp)
            case .dateTime2, .dateTime:
                let fsp = UInt8(clamping: min(6, column.fsp ?? 0))
                kind = .dateTime(fsp: fsp)
                binlogType = .dateTime2
                meta = UInt16(fsp)
            case .timestamp2, .timestamp:
                let fsp = UInt8(clamping: min(6, column.fsp ?? 0))
                kind = .timestamp(fsp: fsp)
                binlogType = .timestamp2
                meta = UInt16(fsp)
            case .bit:
                let bits = min(64, max(1, column.length ?? 1))
                kind = .bit
                meta = UInt16(bits / 8) << 8 | UInt16(bits % 8)
                expression = "\(quoted)+0"
            case .enumType:
                kind = .enumIndex
                binlogType = .string
                meta = UInt16(ColumnType.enumType.rawValue) << 8 | ((column.labels?.count ?? 0) > 255 ? 2 : 1)
                expression = "\(quoted)+0"
            case .set:
                kind = .setBits
                binlogType = .string
                let bytes = ((column.labels?.count ?? 1) + 7) / 8
                meta = UInt16(ColumnType.set.rawValue) << 8 | UInt16(bytes > 4 ? 8 : bytes)
                expression = "\(quoted)+0"
            case .string:
                kind = .bytes
                let length: Int
                switch column.type {
                case "inet4":
                    length = 4
                    expression = "CAST(\(quoted) AS BINARY(4))"
                case "inet6", "uuid":
                    length = 16
                    expression = "CAST(\(quoted) AS BINARY(16))"
                case "binary":
                    length = column.length ?? 1
                default:
                    length = (column.length ?? 1) * Self.maxBytesPerCharacter(column, in: schema)
                }
                let byte0 = UInt16(ColumnType.string.rawValue) ^ UInt16((length & 0x300) >> 4)
                meta = byte0 << 8 | UInt16(length & 0xff)
            case .varchar, .varString, .varcharCompressed:
                kind = .bytes
                let length = (column.length ?? 65535) * Self.maxBytesPerCharacter(column, in: schema)
                meta = UInt16(clamping: length)
            case .blob, .blobCompressed:
                kind = .bytes
                switch column.type {
                case "tinytext", "tinyblob": meta = 1
                case "mediumtext", "mediumblob": meta = 3
                case "longtext", "longblob", "json": meta = 4
                default: meta = 2
                }
            case .json:
                kind = .jsonText
                meta = 4
            case .geometry:
                kind = .geometry
                meta = 4
            case .vector:
                kind = .vector
                meta = 4
            default:
                throw CDCError(
                    .usage, "cannot snapshot \(schema.name): column \(column.name) (\(type.name)) is not supported")
            }
            columns.append(TableColumn(binlogType: binlogType, meta: meta, nullable: column.nullable))
            kinds.append(kind)
            expressions.append(expression)
        }
        let bare = TableMap(
            tableID: 0, flags: 0, database: schema.database, table: schema.table, columns: columns, primaryKey: [],
            hasOptionalMetadata: false)
        map = registry.completing(bare, schema: schema)
        self.kinds = kinds
        self.expressions = expressions
        keyColumns = schema.primaryKey.compactMap { schema.columnIndex($0) }
    }

    /// `db`.`table`, quoted.
    public var quotedName: String { "\(Self.quote(schema.database)).\(Self.quote(schema.table))" }

    /// The SELECT of one chunk: the columns, then the primary-key columns as they are (for the next chunk's
    /// bound), rows after `after` (a condition from `keyCondition`) in key order, at most `limit` rows. Without a
    /// primary key (or `limit` nil) the whole table.
    public func chunkQuery(after: String?, where extra: String?, limit: Int?) -> String {
        var sql = "SELECT " + expressions.joined(separator: ", ")
        if !keyColumns.isEmpty {
            sql += ", " + keyColumns.map(keyExpression).joined(separator: ", ")
        }
        sql += " FROM " + quotedName
        var conditions: [String] = []
        if let extra { conditions.append("(\(extra))") }
        if let after { conditions.append("(\(after))") }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        if !keyColumns.isEmpty, let limit {
            sql += " ORDER BY " + keyColumns.map { Self.quote(schema.columns[$0].name) }.joined(separator: ", ")
            sql += " LIMIT \(limit)"
        }
        return sql
    }

    /// A key column as the chunk query returns it for the bound: ENUM, SET and BIT as their numbers (ENUM and SET
    /// sort and compare by number), everything else as it is.
    func keyExpression(_ index: Int) -> String {
        switch kinds[index] {
        case .bit, .enumIndex, .setBits: return expressions[index]
        default: return Self.quote(schema.columns[index].name)
        }
    }

    /// The condition "key after this row's key", from the key columns' raw values (as `chunkQuery` returns them):
    /// `a > x OR (a = x AND b > y)`, which the range optimizer reads as a range on the primary key.
    public func keyCondition(_ values: [[UInt8]?]) -> String {
        var literals: [String] = []
        for (position, index) in keyColumns.enumerated() {
            let value = position < values.count ? values[position] : nil
            literals.append(literal(value, column: schema.columns[index], kind: kinds[index]))
        }
        var parts: [String] = []
        for position in keyColumns.indices {
            var terms: [String] = []
            for earlier in 0..<position {
                terms.append("\(Self.quote(schema.columns[keyColumns[earlier]].name)) = \(literals[earlier])")
            }
            terms.append("\(Self.quote(schema.columns[keyColumns[position]].name)) > \(literals[position])")
            parts.append(terms.count == 1 ? terms[0] : "(" + terms.joined(separator: " AND ") + ")")
        }
        return parts.joined(separator: " OR ")
    }

    /// A SQL literal that compares with the column as its value: numbers as they are, strings as hex with the
    /// column's character set and collation (so the comparison follows the same order as ORDER BY).
    func literal(_ value: [UInt8]?, column: ColumnSchema, kind: Kind) -> String {
        guard let value else { return "NULL" }
        let hex = "X'" + value.map { Self.hexDigits[Int($0 >> 4)] + Self.hexDigits[Int($0 & 15)] }.joined() + "'"
        switch kind {
        case .signed, .unsigned, .decimal, .year, .double, .float, .bit, .enumIndex, .setBits:
            // Digits, sign, point and exponent only: anything else would be SQL.
            if value.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 || $0 == 43 || $0 == 101 }) {
                return String(decoding: value, as: UTF8.self)
            }
            return "CAST(\(hex) AS CHAR)"
        case .date, .time, .dateTime, .timestamp:
            return "CAST(\(hex) AS CHAR)"
        default:
            return literalString(hex, column: column)
        }
    }

    private func literalString(_ hex: String, column: ColumnSchema) -> String {
        let collation = column.collation ?? schema.collation
        let charset = column.charset ?? collation.flatMap { $0.split(separator: "_").first.map(String.init) }
        guard column.isCharacterType, let charset else { return "_binary \(hex)" }
        if let collation { return "_\(charset) \(hex) COLLATE \(collation)" }
        return "_\(charset) \(hex)"
    }

    static let hexDigits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]

    static func maxBytesPerCharacter(_ column: ColumnSchema, in schema: TableSchema) -> Int {
        guard column.isCharacterType else { return 1 }
        let charset = (column.charset ?? schema.charset ?? column.collation ?? "utf8mb4").lowercased()
        if charset.hasPrefix("utf8mb4") { return 4 }
        if charset.hasPrefix("utf8") { return 3 }
        if charset.hasPrefix("ucs2") || charset.hasPrefix("utf16") { return charset.hasPrefix("ucs2") ? 2 : 4 }
        if charset.hasPrefix("utf32") { return 4 }
        if charset.hasPrefix("big5") || charset.hasPrefix("gbk") || charset.hasPrefix("sjis") { return 2 }
        if charset.hasPrefix("ujis") || charset.hasPrefix("eucjpms") { return 3 }
        if charset.hasPrefix("gb18030") { return 4 }
        return 1
    }

    /// A backquoted identifier.
    public static func quote(_ name: String) -> String {
        var quoted = "`"
        for character in name {
            quoted.append(character)
            if character == "`" { quoted.append("`") }
        }
        return quoted + "`"
    }
}
