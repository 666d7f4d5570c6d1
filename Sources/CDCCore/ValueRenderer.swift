import BinlogDecoder

/// Renders decoded column values as JSON, as docs/record-format.md specifies.
public enum ValueRenderer {
    /// Appends the JSON for `value`. `bytes` is the array the value's ranges point into.
    public static func append(
        _ value: ColumnValue, info: ColumnRenderInfo, bytes: [UInt8], side: [UInt8] = [],
        into out: inout OutputBuffer
    ) throws(DecodeError) {
        switch value {
        case .absent, .null:
            JSONOutput.appendLiteral("null", into: &out)
        case .int(let number):
            JSONOutput.append(number, into: &out)
        case .uint(let number):
            JSONOutput.append(number, into: &out)
        case .float(let number):
            JSONOutput.append(number, into: &out)
        case .double(let number):
            JSONOutput.append(number, into: &out)
        case .decimal(let range, let precision, let scale):
            out.append(34)
            out.withUnsafeSpace(DecimalFormat.maxTextLength) { target in
                DecimalFormat.render(bytes, range, precision: Int(precision), scale: Int(scale), to: target)
            }
            out.append(34)
        case .year(let year):
            JSONOutput.append(UInt64(year), into: &out)
        case .bit(let bits):
            JSONOutput.append(bits, into: &out)
        case .date(let year, let month, let day):
            out.append(34)
            appendDate(UInt64(year), UInt64(month), UInt64(day), into: &out)
            out.append(34)
        case .dateTime(let value):
            out.append(34)
            appendDate(UInt64(value.year), UInt64(value.month), UInt64(value.day), into: &out)
            out.append(32)
            appendClock(UInt64(value.hour), UInt64(value.minute), UInt64(value.second), into: &out)
            appendFraction(value.microseconds, fsp: value.fsp, into: &out)
            out.append(34)
        case .time(let value):
            out.append(34)
            if value.negative { out.append(45) }
            appendClock(UInt64(value.hours), UInt64(value.minutes), UInt64(value.seconds), into: &out)
            appendFraction(value.microseconds, fsp: value.fsp, into: &out)
            out.append(34)
        case .timestamp(let seconds, let microseconds, let fsp):
            out.append(34)
            if seconds == 0 && microseconds == 0 {
                JSONOutput.appendLiteral("0000-00-00 00:00:00", into: &out)
            } else {
                let days = Int64(seconds / 86400)
                let clock = UInt64(seconds % 86400)
                let (year, month, day) = civil(fromDays: days)
                appendDate(UInt64(year), UInt64(month), UInt64(day), into: &out)
                out.append(32)
                appendClock(clock / 3600, (clock / 60) % 60, clock % 60, into: &out)
            }
            appendFraction(microseconds, fsp: fsp, into: &out)
            out.append(34)
        case .enumIndex(let index):
            if index == 0 {
                JSONOutput.appendLiteral("\"\"", into: &out)
            } else if let labels = info.labels, Int(index) <= labels.count {
                out.append(34)
                out.append(contentsOf: labels[Int(index) - 1])
                out.append(34)
            } else {
                JSONOutput.append(UInt64(index), into: &out)
            }
        case .setBits(let bits):
            if let labels = info.labels, labels.count >= 64 || bits >> UInt64(labels.count) == 0 {
                out.append(34)
                var first = true
                for index in 0..<labels.count where bits & (1 << UInt64(index)) != 0 {
                    if !first { out.append(44) }
                    first = false
                    out.append(contentsOf: labels[index])
                }
                out.append(34)
            } else {
                JSONOutput.append(bits, into: &out)
            }
        case .bytes(let range):
            bytes.withUnsafeBytes { raw in
                let slice = UnsafeRawBufferPointer(rebasing: raw[range])
                switch info.textKind {
                case .text(let charset): JSONString.append(slice, charset: charset, into: &out)
                case .binary(let padTo): JSONOutput.appendBase64(slice, padTo: padTo, into: &out)
                }
            }
        case .json(let range):
            var text: [UInt8] = []
            try MySQLJSON.render(bytes[range], into: &text)
            out.append(contentsOf: text)
        case .jsonText(let range):
            out.append(contentsOf: side[range])
        case .geometry(let range):
            guard range.count >= 4 else {
                throw DecodeError(.malformed, "GEOMETRY value of \(range.count) bytes has no SRID")
            }
            let base = range.lowerBound
            let srid =
                UInt64(bytes[base]) | UInt64(bytes[base + 1]) << 8 | UInt64(bytes[base + 2]) << 16
                | UInt64(bytes[base + 3]) << 24
            JSONOutput.appendLiteral("{\"srid\":", into: &out)
            JSONOutput.append(srid, into: &out)
            JSONOutput.appendLiteral(",\"wkb\":", into: &out)
            bytes.withUnsafeBytes { raw in
                JSONOutput.appendBase64(
                    UnsafeRawBufferPointer(rebasing: raw[(base + 4)..<range.upperBound]), into: &out)
            }
            out.append(125)
        case .vector(let range):
            guard range.count % 4 == 0 else {
                throw DecodeError(.malformed, "VECTOR value of \(range.count) bytes is not a float32 array")
            }
            out.append(91)
            var offset = range.lowerBound
            while offset < range.upperBound {
                if offset > range.lowerBound { out.append(44) }
                let raw =
                    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                    | UInt32(bytes[offset + 3]) << 24
                JSONOutput.append(Float(bitPattern: raw), into: &out)
                offset += 4
            }
            out.append(93)
        }
    }

    @inline(__always)
    static func appendDate(_ year: UInt64, _ month: UInt64, _ day: UInt64, into out: inout OutputBuffer) {
        JSONOutput.appendPadded(year, width: 4, into: &out)
        out.append(45)
        JSONOutput.appendPadded(month, width: 2, into: &out)
        out.append(45)
        JSONOutput.appendPadded(day, width: 2, into: &out)
    }

    @inline(__always)
    static func appendClock(_ hour: UInt64, _ minute: UInt64, _ second: UInt64, into out: inout OutputBuffer) {
        JSONOutput.appendPadded(hour, width: 2, into: &out)
        out.append(58)
        JSONOutput.appendPadded(minute, width: 2, into: &out)
        out.append(58)
        JSONOutput.appendPadded(second, width: 2, into: &out)
    }

    /// Exactly `fsp` fraction digits (none for fsp 0).
    @inline(__always)
    static func appendFraction(_ microseconds: UInt32, fsp: UInt8, into out: inout OutputBuffer) {
        guard fsp > 0 else { return }
        let digits = Int(min(fsp, 6))
        out.append(46)
        JSONOutput.appendPadded(
            UInt64(microseconds % 1_000_000) / UInt64(TemporalFormat.powersOf10[6 - digits]),
            width: digits, into: &out)
    }

    /// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
