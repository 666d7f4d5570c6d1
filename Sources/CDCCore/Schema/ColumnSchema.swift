/// One column as its DDL (or information_schema) defines it. Defaults are not kept: the binlog always carries
/// the full row image, so a default never decides a value binlog-sink emits.
public struct ColumnSchema: Sendable, Equatable, Codable {
    public var name: String
    /// Lower-case SQL type name after synonyms are resolved: `int`, `tinyint`, `varchar`, `decimal`, `datetime`,
    /// `enum`, `json`, `geometry`, `point`, `inet6`, … (`integer` → `int`, `bool` → `tinyint(1)`, `numeric` → `decimal`).
    public var type: String
    /// Character or byte length of CHAR/VARCHAR/BINARY/VARBINARY, bit width of BIT, display width of integer
    /// types and YEAR (nil when the DDL gives none).
    public var length: Int?
    /// DECIMAL's M and FLOAT/DOUBLE's M in (M,D).
    public var precision: Int?
    /// DECIMAL's D and FLOAT/DOUBLE's D in (M,D).
    public var scale: Int?
    /// Fractional-second precision of TIME/DATETIME/TIMESTAMP (nil = 0).
    public var fsp: Int?
    public var unsigned: Bool
    public var zerofill: Bool
    public var nullable: Bool
    /// Character set and collation named on the column (nil: the table's default applies).
    public var charset: String?
    public var collation: String?
    /// ENUM/SET member labels, in definition order.
    public var labels: [String]?
    /// MariaDB's `COMPRESSED` column attribute.
    public var compressed: Bool

    public init(
        name: String, type: String, length: Int? = nil, precision: Int? = nil, scale: Int? = nil, fsp: Int? = nil,
        unsigned: Bool = false, zerofill: Bool = false, nullable: Bool = true, charset: String? = nil,
        collation: String? = nil, labels: [String]? = nil, compressed: Bool = false
    ) {
        self.name = name
        self.type = type
        self.length = length
        self.precision = precision
        self.scale = scale
        self.fsp = fsp
        self.unsigned = unsigned
        self.zerofill = zerofill
        self.nullable = nullable
        self.charset = charset
        self.collation = collation
        self.labels = labels
        self.compressed = compressed
    }

    /// Types whose values are character strings (and so have a character set).
    public var isCharacterType: Bool {
        switch type {
        case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set": return true
        default: return false
        }
    }

    public var isIntegerType: Bool {
        switch type {
        case "tinyint", "smallint", "mediumint", "int", "bigint": return true
        default: return false
        }
    }

    public var isTemporalWithFraction: Bool { type == "time" || type == "datetime" || type == "timestamp" }

    /// The column type as information_schema's `COLUMN_TYPE` shows it (`int(11)`, `decimal(8,2) unsigned`,
    /// `enum('a','b')`). `mariadb` selects MariaDB's spelling where the servers differ: MariaDB shows integer
    /// display widths and stores JSON as `longtext`; MySQL 8.0.19+ drops widths (except with ZEROFILL).
    public func columnType(mariadb: Bool) -> String {
        var text = dataType(mariadb: mariadb)
        switch type {
        case "tinyint", "smallint", "mediumint", "int", "bigint":
            if mariadb || zerofill {
                text += "(\(length ?? defaultDisplayWidth))"
            } else if type == "tinyint" && length == 1 {
                text += "(1)"
            }
        case "decimal":
            text += "(\(precision ?? 10),\(scale ?? 0))"
        case "float", "double":
            if let precision, let scale { text += "(\(precision),\(scale))" }
        case "char", "binary":
            text += "(\(length ?? 1))"
        case "varchar", "varbinary", "bit":
            text += "(\(length ?? 1))"
        case "year":
            if mariadb { text += "(\(length ?? 4))" }
        case "time", "datetime", "timestamp":
            if let fsp, fsp > 0 { text += "(\(fsp))" }
        case "enum", "set":
            let quoted = (labels ?? []).map { "'" + $0.replacingAll("'", with: "''") + "'" }
            text += "(" + quoted.joined(separator: ",") + ")"
        default:
            break
        }
        if unsigned { text += " unsigned" }
        if zerofill { text += " zerofill" }
        return text
    }

    /// information_schema's `DATA_TYPE`.
    public func dataType(mariadb: Bool) -> String {
        if type == "json" && mariadb { return "longtext" }
        return type
    }

    /// MySQL's display width for an integer type without one.
    var defaultDisplayWidth: Int {
        switch type {
        case "tinyint": return unsigned ? 3 : 4
        case "smallint": return unsigned ? 5 : 6
        case "mediumint": return unsigned ? 8 : 9
        case "int": return unsigned ? 10 : 11
        default: return 20
        }
    }
}

extension String {
    /// `replacingOccurrences` without Foundation.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
