/// A column's type code as written in a table map event (`enum_field_types`). Unknown codes are kept.
public struct ColumnType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let decimal = ColumnType(rawValue: 0)
    public static let tiny = ColumnType(rawValue: 1)
    public static let short = ColumnType(rawValue: 2)
    public static let long = ColumnType(rawValue: 3)
    public static let float = ColumnType(rawValue: 4)
    public static let double = ColumnType(rawValue: 5)
    public static let null = ColumnType(rawValue: 6)
    public static let timestamp = ColumnType(rawValue: 7)
    public static let longLong = ColumnType(rawValue: 8)
    public static let int24 = ColumnType(rawValue: 9)
    public static let date = ColumnType(rawValue: 10)
    public static let time = ColumnType(rawValue: 11)
    public static let dateTime = ColumnType(rawValue: 12)
    public static let year = ColumnType(rawValue: 13)
    public static let newDate = ColumnType(rawValue: 14)
    public static let varchar = ColumnType(rawValue: 15)
    public static let bit = ColumnType(rawValue: 16)
    public static let timestamp2 = ColumnType(rawValue: 17)
    public static let dateTime2 = ColumnType(rawValue: 18)
    public static let time2 = ColumnType(rawValue: 19)
    public static let typedArray = ColumnType(rawValue: 20)
    /// MariaDB column compression (`COMPRESSED` attribute).
    public static let varcharCompressed = ColumnType(rawValue: 140)
    public static let blobCompressed = ColumnType(rawValue: 141)
    /// MySQL 9 VECTOR.
    public static let vector = ColumnType(rawValue: 242)
    public static let bool = ColumnType(rawValue: 244)
    public static let json = ColumnType(rawValue: 245)
    public static let newDecimal = ColumnType(rawValue: 246)
    public static let enumType = ColumnType(rawValue: 247)
    public static let set = ColumnType(rawValue: 248)
    public static let tinyBlob = ColumnType(rawValue: 249)
    public static let mediumBlob = ColumnType(rawValue: 250)
    public static let longBlob = ColumnType(rawValue: 251)
    public static let blob = ColumnType(rawValue: 252)
    public static let varString = ColumnType(rawValue: 253)
    public static let string = ColumnType(rawValue: 254)
    public static let geometry = ColumnType(rawValue: 255)

    public var name: String {
        switch rawValue {
        case 0: return "DECIMAL"
        case 1: return "TINY"
        case 2: return "SHORT"
        case 3: return "LONG"
        case 4: return "FLOAT"
        case 5: return "DOUBLE"
        case 6: return "NULL"
        case 7: return "TIMESTAMP"
        case 8: return "LONGLONG"
        case 9: return "INT24"
        case 10: return "DATE"
        case 11: return "TIME"
        case 12: return "DATETIME"
        case 13: return "YEAR"
        case 14: return "NEWDATE"
        case 15: return "VARCHAR"
        case 16: return "BIT"
        case 17: return "TIMESTAMP2"
        case 18: return "DATETIME2"
        case 19: return "TIME2"
        case 20: return "TYPED_ARRAY"
        case 140: return "VARCHAR_COMPRESSED"
        case 141: return "BLOB_COMPRESSED"
        case 242: return "VECTOR"
        case 244: return "BOOL"
        case 245: return "JSON"
        case 246: return "NEWDECIMAL"
        case 247: return "ENUM"
        case 248: return "SET"
        case 249: return "TINY_BLOB"
        case 250: return "MEDIUM_BLOB"
        case 251: return "LONG_BLOB"
        case 252: return "BLOB"
        case 253: return "VAR_STRING"
        case 254: return "STRING"
        case 255: return "GEOMETRY"
        default: return "TYPE_\(rawValue)"
        }
    }

    /// Number of metadata bytes this type has in a table map event.
    var metadataLength: Int {
        switch rawValue {
        case 4, 5, 17, 18, 19, 141, 242, 245, 249, 250, 251, 252, 255: return 1
        case 15, 16, 140, 246, 247, 248, 253, 254: return 2
        default: return 0
        }
    }

    /// Numeric columns, in the order the SIGNEDNESS optional metadata covers them.
    public var isNumeric: Bool {
        switch rawValue {
        case 0, 1, 2, 3, 4, 5, 8, 9, 246: return true
        default: return false
        }
    }
}
