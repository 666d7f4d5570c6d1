/// One decoded column value of a row image.
///
/// Values that are bytes in the event (strings, blobs, decimals, JSON, geometry, vectors) are ranges into the rows
/// event's byte array rather than copies: decoding a row allocates nothing per value. Rendering (JSON, Avro…)
/// happens later with the table's column descriptions at hand.
public enum ColumnValue: Sendable, Equatable {
    /// The column is not in this row image (`binlog_row_image=MINIMAL`/`NOBLOB`): its value is unknown.
    case absent
    case null
    case int(Int64)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    /// MySQL's binary DECIMAL format, `precision`/`scale` from the table map.
    case decimal(Range<Int>, precision: UInt8, scale: UInt8)
    case year(UInt16)
    case date(year: UInt16, month: UInt8, day: UInt8)
    case time(TimeValue)
    case dateTime(DateTimeValue)
    /// Seconds since the epoch (UTC) and microseconds; `0, 0` is the zero timestamp.
    case timestamp(seconds: UInt32, microseconds: UInt32, fsp: UInt8)
    case bit(UInt64)
    /// ENUM member index, 1-based (0 is the invalid/empty value).
    case enumIndex(UInt16)
    /// SET membership bitmask.
    case setBits(UInt64)
    /// CHAR/VARCHAR/TEXT/BINARY/VARBINARY/BLOB bytes; whether they are text depends on the column's charset.
    case bytes(Range<Int>)
    /// MySQL binary JSON document.
    case json(Range<Int>)
    /// A JSON document rebuilt by applying a partial update to the before image: MySQL's JSON text, as a range
    /// of the row cursor's `sideBytes` (keeps this enum free of references, so copying values costs nothing).
    case jsonText(Range<Int>)
    /// SRID (4 bytes little-endian) followed by WKB.
    case geometry(Range<Int>)
    /// MySQL VECTOR: little-endian float32 values.
    case vector(Range<Int>)
}

/// A TIME value: hours may exceed 24 (up to 838), sign kept separately so `-00:00:01` survives.
public struct TimeValue: Sendable, Equatable {
    public var negative: Bool
    public var hours: UInt32
    public var minutes: UInt8
    public var seconds: UInt8
    public var microseconds: UInt32
    public var fsp: UInt8

    public init(negative: Bool, hours: UInt32, minutes: UInt8, seconds: UInt8, microseconds: UInt32, fsp: UInt8) {
        self.negative = negative
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
        self.microseconds = microseconds
        self.fsp = fsp
    }
}

/// A DATETIME value as stored: no time zone, zero parts allowed (`0000-00-00 00:00:00`).
public struct DateTimeValue: Sendable, Equatable {
    public var year: UInt16
    public var month: UInt8
    public var day: UInt8
    public var hour: UInt8
    public var minute: UInt8
    public var second: UInt8
    public var microseconds: UInt32
    public var fsp: UInt8

    public init(
        year: UInt16, month: UInt8, day: UInt8, hour: UInt8, minute: UInt8, second: UInt8,
        microseconds: UInt32, fsp: UInt8
    ) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microseconds = microseconds
        self.fsp = fsp
    }
}
