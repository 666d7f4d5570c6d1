import BinlogDecoder

/// Day counts of the proleptic Gregorian calendar, for formats that write dates as numbers (Avro's `date`,
/// Debezium's `io.debezium.time.Date`).
enum CivilDays {
    /// Days from 1970-01-01 to the given date (negative before it): Howard Hinnant's `days_from_civil`. Meant for
    /// real dates (month 1…12, day 1…31); callers filter out MySQL's zero and invalid dates first.
    static func since1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// True for MySQL's zero date and the dates `NO_ZERO_IN_DATE` would refuse (`2024-00-15`, `2024-01-00`): no
    /// calendar day, so no day count.
    static func isZeroOrInvalid(month: UInt8, day: UInt8) -> Bool { month == 0 || day == 0 || month > 12 }

    /// Microseconds since 1970-01-01 00:00:00 of a DATETIME (read as UTC: DATETIME has no time zone).
    static func micros(_ value: DateTimeValue) -> Int64 {
        let days = since1970(year: Int64(value.year), month: Int64(value.month), day: Int64(value.day))
        let seconds = days * 86_400 + Int64(value.hour) * 3600 + Int64(value.minute) * 60 + Int64(value.second)
        return seconds * 1_000_000 + Int64(value.microseconds % 1_000_000)
    }

    /// Signed microseconds of a TIME value (hours may exceed 24).
    static func micros(_ value: TimeValue) -> Int64 {
        let seconds = Int64(value.hours) * 3600 + Int64(value.minutes) * 60 + Int64(value.seconds)
        let magnitude = seconds * 1_000_000 + Int64(value.microseconds % 1_000_000)
        return value.negative ? -magnitude : magnitude
    }
}
