import BinlogDecoder

/// Renders column values as Debezium's MySQL connector does with its default settings where they differ from the
/// native record format (docs/formats.md lists each choice); everything else is `ValueRenderer`'s JSON.
enum DebeziumValueRenderer {
    static func append(
        _ value: ColumnValue, info: ColumnRenderInfo, bytes: [UInt8], side: [UInt8], into out: inout OutputBuffer
    ) throws(DecodeError) {
        switch value {
        case .date(let year, let month, let day):
            // io.debezium.time.Date: days since the epoch.
            if CivilDays.isZeroOrInvalid(month: month, day: day) {
                appendZero(info, into: &out)
            } else {
                JSONOutput.append(
                    CivilDays.since1970(year: Int64(year), month: Int64(month), day: Int64(day)), into: &out)
            }
        case .dateTime(let dateTime):
            // io.debezium.time.Timestamp (fsp 0…3, milliseconds) or MicroTimestamp (fsp 4…6, microseconds).
            if CivilDays.isZeroOrInvalid(month: dateTime.month, day: dateTime.day) {
                appendZero(info, into: &out)
            } else {
                let micros = CivilDays.micros(dateTime)
                JSONOutput.append(dateTime.fsp <= 3 ? floorDivide(micros, 1000) : micros, into: &out)
            }
        case .timestamp(let seconds, let microseconds, let fsp):
            // io.debezium.time.ZonedTimestamp: ISO-8601 in UTC with the column's fraction digits.
            if seconds == 0 && microseconds == 0 {
                if info.column.nullable {
                    JSONOutput.appendLiteral("null", into: &out)
                    return
                }
            }
            out.append(34)
            let days = Int64(seconds / 86400)
            let clock = UInt64(seconds % 86400)
            let (year, month, day) = civil(fromDays: days)
            ValueRenderer.appendDate(UInt64(year), UInt64(month), UInt64(day), into: &out)
            out.append(84)
            ValueRenderer.appendClock(clock / 3600, (clock / 60) % 60, clock % 60, into: &out)
            ValueRenderer.appendFraction(microseconds, fsp: fsp, into: &out)
            out.append(90)
            out.append(34)
        case .time(let time):
            // io.debezium.time.MicroTime: signed microseconds.
            JSONOutput.append(CivilDays.micros(time), into: &out)
        case .bit(let bits):
            // BIT(1): boolean; BIT(n > 1): io.debezium.data.Bits, ceil(n/8) bytes little-endian, as base64.
            let width = Int(info.column.meta >> 8) * 8 + Int(info.column.meta & 0xff)
            if width <= 1 {
                JSONOutput.appendLiteral(bits == 0 ? "false" : "true", into: &out)
            } else {
                let count = min(8, (width + 7) / 8)
                var little = [UInt8](repeating: 0, count: count)
                for index in 0..<count { little[index] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(index))) }
                little.withUnsafeBytes { JSONOutput.appendBase64($0, into: &out) }
            }
        case .json(let range):
            // io.debezium.data.Json: the document as a string.
            var text: [UInt8] = []
            try MySQLJSON.render(bytes[range], into: &text)
            text.withUnsafeBytes { JSONString.appendUTF8($0, into: &out) }
        case .jsonText(let range):
            guard range.upperBound <= side.count else {
                throw DecodeError(.malformed, "rebuilt JSON document out of range")
            }
            side.withUnsafeBytes { raw in
                JSONString.appendUTF8(UnsafeRawBufferPointer(rebasing: raw[range]), into: &out)
            }
        default:
            try ValueRenderer.append(value, info: info, bytes: bytes, side: side, into: &out)
        }
    }

    /// A zero or invalid date: null when the column allows it, else the epoch (Debezium's rule).
    private static func appendZero(_ info: ColumnRenderInfo, into out: inout OutputBuffer) {
        if info.column.nullable {
            JSONOutput.appendLiteral("null", into: &out)
        } else {
            out.append(48)
        }
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) { ValueRenderer.civil(fromDays: days) }
}
