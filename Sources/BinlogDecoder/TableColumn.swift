/// One column of a table as a table map event (plus, later, the schema registry) describes it.
public struct TableColumn: Sendable, Equatable {
    /// The type as written in the table map.
    public var binlogType: ColumnType
    /// The real type: for `STRING`, the metadata says whether it is really CHAR, ENUM or SET.
    public var type: ColumnType
    /// The raw metadata (0–2 bytes as a little-endian number, except STRING/ENUM/SET: `byte0 << 8 | byte1`).
    public var meta: UInt16
    public var nullable: Bool
    /// Column name from `binlog_row_metadata=FULL`, else nil.
    public var name: String?
    /// From the SIGNEDNESS metadata; nil when the table map does not say.
    public var unsigned: Bool?
    /// Collation id of a character column (or of an ENUM/SET column's labels), from the metadata.
    public var collation: UInt16?
    /// ENUM or SET member labels, in the column's character set, from the metadata.
    public var labels: [[UInt8]]?
    public var geometryType: UInt64?
    public var vectorDimensions: UInt64?
    public var visible: Bool
    public var isPrimaryKey: Bool
    /// Fractional-second precision, when the table map does not carry it (MariaDB 5.3 temporal columns):
    /// set by whoever knows the schema (the registry). nil means "not known".
    public var legacyFSP: UInt8?

    public init(binlogType: ColumnType, meta: UInt16, nullable: Bool) {
        self.binlogType = binlogType
        self.meta = meta
        self.nullable = nullable
        self.name = nil
        self.unsigned = nil
        self.collation = nil
        self.labels = nil
        self.geometryType = nil
        self.vectorDimensions = nil
        self.visible = true
        self.isPrimaryKey = false
        self.legacyFSP = nil
        self.type = binlogType
        if binlogType == .string && meta >= 256 {
            let byte0 = UInt8(truncatingIfNeeded: meta >> 8)
            if (byte0 & 0x30) != 0x30 {
                type = ColumnType(rawValue: byte0 | 0x30)
            } else {
                type = ColumnType(rawValue: byte0)
            }
        }
    }

    /// For CHAR/BINARY (`STRING`): the maximum length in bytes (which decides a 1- or 2-byte length prefix).
    /// For ENUM/SET: the number of bytes the value takes.
    public var stringLength: Int {
        if binlogType == .string && meta >= 256 {
            let byte0 = Int(meta >> 8)
            let byte1 = Int(meta & 0xff)
            if (byte0 & 0x30) != 0x30 {
                return byte1 | (((byte0 & 0x30) ^ 0x30) << 4)
            }
            return byte1
        }
        return Int(meta)
    }

    /// Columns the charset metadata covers: CHAR, VARCHAR, the BLOB/TEXT family and MySQL 9's VECTOR (a binary
    /// string to the server); not ENUM/SET, JSON, GEOMETRY.
    public var isCharacterColumn: Bool {
        switch type.rawValue {
        case ColumnType.string.rawValue, ColumnType.varString.rawValue, ColumnType.varchar.rawValue,
            ColumnType.blob.rawValue, ColumnType.tinyBlob.rawValue, ColumnType.mediumBlob.rawValue,
            ColumnType.longBlob.rawValue, ColumnType.varcharCompressed.rawValue, ColumnType.blobCompressed.rawValue,
            ColumnType.vector.rawValue:
            return true
        default:
            return false
        }
    }

    public var isEnumOrSet: Bool { type == .enumType || type == .set }
}
