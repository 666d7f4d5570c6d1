/// The storage formats of TIME, DATETIME and TIMESTAMP in row images.
///
/// - MySQL 5.6+/MariaDB 10.1+ (`TIME2`, `DATETIME2`, `TIMESTAMP2`): big-endian packed integers plus
///   `(fsp + 1) / 2` bytes of fraction.
/// - MySQL 5.5 and earlier (`TIME`, `DATETIME`, `TIMESTAMP`): little-endian decimal-packed integers, no fraction.
/// - MariaDB 5.3 "hires" (`TIME`, `DATETIME`, `TIMESTAMP` with fsp > 0): big-endian microsecond counts whose
///   width depends on an fsp the table map does not carry.
public enum TemporalFormat {
    public static let powersOf10: [UInt32] = [1, 10, 100, 1000, 10000, 100_000, 1_000_000]
    static let mariaTimeHiresBytes = [3, 4, 4, 5, 5, 5, 6]
    static let mariaDateTimeHiresBytes = [5, 6, 6, 7, 7, 7, 8]
    static let mariaSecPartBytes = [0, 1, 1, 2, 2, 3, 3]

    /// The fraction part of TIME2/DATETIME2/TIMESTAMP2 as microseconds.
    @inline(__always)
    static func readFraction(_ reader: inout RawByteReader, fsp: UInt8) throws(DecodeError) -> UInt32 {
        switch fsp {
        case 1, 2: return UInt32(try reader.readBE(1, "fraction")) * 10_000
        case 3, 4: return UInt32(try reader.readBE(2, "fraction")) * 100
        case 5, 6: return UInt32(try reader.readBE(3, "fraction"))
        default: return 0
        }
    }

    static func readDateTime2(_ reader: inout RawByteReader, fsp: UInt8) throws(DecodeError) -> DateTimeValue {
        let packed = Int64(try reader.readBE(5, "DATETIME")) - 0x80_0000_0000
        let micros = try readFraction(&reader, fsp: fsp)
        let value = packed.magnitude
        let ymd = value >> 17
        let ym = ymd >> 5
        let hms = value & 0x1ffff
        return DateTimeValue(
            year: UInt16(truncatingIfNeeded: ym / 13), month: UInt8(truncatingIfNeeded: ym % 13),
            day: UInt8(truncatingIfNeeded: ymd & 31), hour: UInt8(truncatingIfNeeded: hms >> 12),
            minute: UInt8(truncatingIfNeeded: (hms >> 6) & 63), second: UInt8(truncatingIfNeeded: hms & 63),
            microseconds: micros, fsp: fsp)
    }

    /// MySQL's `my_time_packed_from_binary` followed by `TIME_from_longlong_time_packed`.
    static func readTime2(_ reader: inout RawByteReader, fsp: UInt8) throws(DecodeError) -> TimeValue {
        var packed: Int64
        switch fsp {
        case 1, 2:
            var intPart = Int64(try reader.readBE(3, "TIME")) - 0x80_0000
            var frac = Int64(try reader.readBE(1, "TIME fraction"))
            if intPart < 0 && frac != 0 {
                intPart += 1
                frac -= 0x100
            }
            packed = (intPart << 24) + frac * 10_000
        case 3, 4:
            var intPart = Int64(try reader.readBE(3, "TIME")) - 0x80_0000
            var frac = Int64(try reader.readBE(2, "TIME fraction"))
            if intPart < 0 && frac != 0 {
                intPart += 1
                frac -= 0x10000
            }
            packed = (intPart << 24) + frac * 100
        case 5, 6:
            packed = Int64(try reader.readBE(6, "TIME")) - 0x8000_0000_0000
        default:
            packed = (Int64(try reader.readBE(3, "TIME")) - 0x80_0000) << 24
        }
        let negative = packed < 0
        let magnitude = packed.magnitude
        let hms = magnitude >> 24
        return TimeValue(
            negative: negative, hours: UInt32(truncatingIfNeeded: (hms >> 12) & 0x3ff),
            minutes: UInt8(truncatingIfNeeded: (hms >> 6) & 63), seconds: UInt8(truncatingIfNeeded: hms & 63),
            microseconds: UInt32(truncatingIfNeeded: magnitude & 0xff_ffff), fsp: fsp)
    }

    /// MySQL 5.5 TIME: 3-byte little-endian signed `HHMMSS`.
    static func readTimeOld(_ reader: inout RawByteReader) throws(DecodeError) -> TimeValue {
        let raw = Int64(bitPattern: try reader.readLE(3, "TIME") << 40) >> 40
        let value = raw.magnitude
        return TimeValue(
            negative: raw < 0, hours: UInt32(truncatingIfNeeded: value / 10000),
            minutes: UInt8(truncatingIfNeeded: (value / 100) % 100), seconds: UInt8(truncatingIfNeeded: value % 100),
            microseconds: 0, fsp: 0)
    }

    /// MySQL 5.5 DATETIME: 8-byte little-endian `YYYYMMDDhhmmss`.
    static func readDateTimeOld(_ reader: inout RawByteReader) throws(DecodeError) -> DateTimeValue {
        let value = try reader.readLE(8, "DATETIME")
        let date = value / 1_000_000
        let time = value % 1_000_000
        return DateTimeValue(
            year: UInt16(truncatingIfNeeded: date / 10000), month: UInt8(truncatingIfNeeded: (date / 100) % 100),
            day: UInt8(truncatingIfNeeded: date % 100), hour: UInt8(truncatingIfNeeded: time / 10000),
            minute: UInt8(truncatingIfNeeded: (time / 100) % 100), second: UInt8(truncatingIfNeeded: time % 100),
            microseconds: 0, fsp: 0)
    }

    /// MariaDB 5.3 TIME(n): big-endian `±(microseconds since 00:00:00 >> shift) + zero point`.
    static func readMariaTimeHires(_ reader: inout RawByteReader, fsp: UInt8) throws(DecodeError) -> TimeValue {
        let digits = Int(min(fsp, 6))
        let shift = Int64(powersOf10[6 - digits])
        let zeroPoint = ((838 * 3600 + 59 * 60 + 59 + 1) * 1_000_000) / shift
        let packed = Int64(try reader.readBE(mariaTimeHiresBytes[digits], "TIME")) - zeroPoint
        let micros = packed.magnitude * UInt64(shift)
        let seconds = micros / 1_000_000
        return TimeValue(
            negative: packed < 0, hours: UInt32(truncatingIfNeeded: seconds / 3600),
            minutes: UInt8(truncatingIfNeeded: (seconds / 60) % 60), seconds: UInt8(truncatingIfNeeded: seconds % 60),
            microseconds: UInt32(truncatingIfNeeded: micros % 1_000_000), fsp: fsp)
    }

    /// MariaDB 5.3 DATETIME(n): big-endian `pack_time() >> shift`.
    static func readMariaDateTimeHires(_ reader: inout RawByteReader, fsp: UInt8) throws(DecodeError) -> DateTimeValue {
        let digits = Int(min(fsp, 6))
        let stored = try reader.readBE(mariaDateTimeHiresBytes[digits], "DATETIME")
        // 6 bytes × 10^5 (fsp 1) and 7 bytes × 10^3 (fsp 3) can exceed 64 bits in a damaged row.
        let (scaled, overflow) = stored.multipliedReportingOverflow(by: UInt64(powersOf10[6 - digits]))
        guard !overflow else {
            throw DecodeError(.malformed, "DATETIME(\(digits)) value 0x\(String(stored, radix: 16)) is out of range")
        }
        var packed = scaled
        let micros = packed % 1_000_000
        packed /= 1_000_000
        let second = packed % 60
        packed /= 60
        let minute = packed % 60
        packed /= 60
        let hour = packed % 24
        packed /= 24
        let day = packed % 32
        packed /= 32
        let month = packed % 13
        let year = packed / 13
        return DateTimeValue(
            year: UInt16(truncatingIfNeeded: year), month: UInt8(truncatingIfNeeded: month),
            day: UInt8(truncatingIfNeeded: day), hour: UInt8(truncatingIfNeeded: hour),
            minute: UInt8(truncatingIfNeeded: minute), second: UInt8(truncatingIfNeeded: second),
            microseconds: UInt32(truncatingIfNeeded: micros), fsp: fsp)
    }
}
