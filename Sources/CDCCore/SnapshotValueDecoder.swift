import BinlogDecoder

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns the text a SELECT returns for a column (`SnapshotTable.Kind`) into the `ColumnValue` the binlog decoder
/// produces for the same stored value, so the renderers cannot tell a snapshot row from a binlog row.
public enum SnapshotValueDecoder {
    /// Decodes field `range` of `bytes`; may append side data (a binary DECIMAL) to `bytes`.
    public static func value(
        _ kind: SnapshotTable.Kind, _ range: Range<Int>, in bytes: inout [UInt8], column: @autoclosure () -> String
    ) throws(CDCError) -> ColumnValue {
        switch kind {
        case .bytes: return .bytes(range)
        case .geometry: return .geometry(range)
        case .vector: return .vector(range)
        case .jsonText: return .jsonText(range)
        case .signed:
            guard let number = signed(bytes, range) else { throw bad(bytes, range, column, "an integer") }
            return .int(number)
        case .unsigned:
            guard let number = unsigned(bytes, range) else { throw bad(bytes, range, column, "an unsigned integer") }
            return .uint(number)
        case .bit:
            guard let number = bitPattern(bytes, range) else { throw bad(bytes, range, column, "a BIT number") }
            return .bit(number)
        case .enumIndex:
            guard let number = unsigned(bytes, range), number <= UInt64(UInt16.max) else {
                throw bad(bytes, range, column, "an ENUM index")
            }
            return .enumIndex(UInt16(number))
        case .setBits:
            guard let number = bitPattern(bytes, range) else { throw bad(bytes, range, column, "a SET bitmask") }
            return .setBits(number)
        case .year:
            guard let number = unsigned(bytes, range), number <= 2155 else { throw bad(bytes, range, column, "a YEAR") }
            return .year(UInt16(number))
        case .float:
            guard let number = double(bytes, range) else { throw bad(bytes, range, column, "a FLOAT") }
            return .float(Float(number))
        case .double:
            guard let number = double(bytes, range) else { throw bad(bytes, range, column, "a DOUBLE") }
            return .double(number)
        case .decimal(let precision, let scale):
            // Encoded into a stack buffer first: appending to `bytes` while reading it would copy the whole block.
            var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes; DECIMAL(65,30) needs 30
            let start = bytes.count
            let appended = withUnsafeMutableBytes(of: &buffer) { raw -> Bool in
                guard
                    let count = encodeDecimal(
                        bytes, range, precision: Int(precision), scale: Int(scale), to: raw.bindMemory(to: UInt8.self))
                else { return false }
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<count]))
                return true
            }
            guard appended else { throw bad(bytes, range, column, "a DECIMAL(\(precision),\(scale))") }
            return .decimal(start..<bytes.count, precision: precision, scale: scale)
        case .date:
            guard let date = parseDate(bytes, range.lowerBound, range.upperBound), range.count == 10 else {
                throw bad(bytes, range, column, "a DATE")
            }
            return .date(year: date.year, month: date.month, day: date.day)
        case .dateTime(let fsp):
            guard let value = parseDateTime(bytes, range, fsp: fsp) else {
                throw bad(bytes, range, column, "a DATETIME")
            }
            return .dateTime(value)
        case .timestamp(let fsp):
            guard let value = parseDateTime(bytes, range, fsp: fsp) else {
                throw bad(bytes, range, column, "a TIMESTAMP")
            }
            if value.year == 0 && value.month == 0 && value.day == 0 {
                return .timestamp(seconds: 0, microseconds: 0, fsp: fsp)
            }
            let days = daysFromCivil(Int64(value.year), Int64(value.month), Int64(value.day))
            let seconds = days * 86400 + Int64(value.hour) * 3600 + Int64(value.minute) * 60 + Int64(value.second)
            guard let stamp = UInt32(exactly: seconds) else { throw bad(bytes, range, column, "a TIMESTAMP") }
            return .timestamp(seconds: stamp, microseconds: value.microseconds, fsp: fsp)
        case .time(let fsp):
            guard let value = parseTime(bytes, range, fsp: fsp) else { throw bad(bytes, range, column, "a TIME") }
            return .time(value)
        }
    }

    static func bad(_ bytes: [UInt8], _ range: Range<Int>, _ column: () -> String, _ what: String) -> CDCError {
        let shown = String(
            decoding: bytes[range.lowerBound..<min(range.upperBound, range.lowerBound + 80)], as: UTF8.self)
        return CDCError(
            .decode, "snapshot: column \(column()) returned \"\(shown)\", which is not \(what) (report this as a bug)")
    }

    @inline(__always)
    static func unsigned(_ bytes: [UInt8], _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty, range.count <= 20 else { return nil }
        var value: UInt64 = 0
        for index in range {
            let digit = bytes[index] &- 48
            guard digit < 10 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    /// `col+0` of a 64-bit BIT or SET comes back signed when the top bit is set: its bits either way.
    static func bitPattern(_ bytes: [UInt8], _ range: Range<Int>) -> UInt64? {
        if let number = unsigned(bytes, range) { return number }
        return signed(bytes, range).map { UInt64(bitPattern: $0) }
    }

    @inline(__always)
    static func signed(_ bytes: [UInt8], _ range: Range<Int>) -> Int64? {
        guard !range.isEmpty else { return nil }
        if bytes[range.lowerBound] == 45 {
            guard let magnitude = unsigned(bytes, (range.lowerBound + 1)..<range.upperBound) else { return nil }
            if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
            guard let value = Int64(exactly: magnitude) else { return nil }
            return -value
        }
        guard let magnitude = unsigned(bytes, range) else { return nil }
        return Int64(exactly: magnitude)
    }

    static func double(_ bytes: [UInt8], _ range: Range<Int>) -> Double? {
        guard !range.isEmpty, range.count < 64 else { return nil }
        if let exact = exactDouble(bytes, range) { return exact }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> Double? in
            for (offset, index) in range.enumerated() { buffer[offset] = CChar(bitPattern: bytes[index]) }
            buffer[range.count] = 0
            guard let base = buffer.baseAddress else { return nil }
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(base, &end)
            guard let end, end == base + range.count else { return nil }
            return value
        }
    }

    /// Powers of ten a double holds exactly.
    static let exactPowers: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Clinger's fast path: `[-]digits[.digits][e[±]digits]` with at most 15 significant digits and a decimal
    /// exponent within ±22 is one correctly rounded multiplication or division of two exact doubles, the same
    /// double `strtod` returns. Nil for anything else (left to `strtod`).
    @inline(__always)
    static func exactDouble(_ bytes: [UInt8], _ range: Range<Int>) -> Double? {
        var index = range.lowerBound
        let end = range.upperBound
        var negative = false
        if bytes[index] == 45 {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var seenDigit = false
        var seenPoint = false
        while index < end {
            let byte = bytes[index]
            if byte == 46 {
                if seenPoint { return nil }
                seenPoint = true
            } else if byte &- 48 < 10 {
                seenDigit = true
                if mantissa != 0 || byte != 48 { digits += 1 }
                if digits > 15 { return nil }
                mantissa = mantissa &* 10 &+ UInt64(byte &- 48)
                if seenPoint { scale -= 1 }
            } else {
                break
            }
            index += 1
        }
        guard seenDigit else { return nil }
        if index < end {
            guard bytes[index] == 101 || bytes[index] == 69 else { return nil }
            index += 1
            var exponentNegative = false
            if index < end, bytes[index] == 45 || bytes[index] == 43 {
                exponentNegative = bytes[index] == 45
                index += 1
            }
            guard index < end, end - index <= 3 else { return nil }
            var exponent = 0
            while index < end {
                let digit = bytes[index] &- 48
                guard digit < 10 else { return nil }
                exponent = exponent * 10 + Int(digit)
                index += 1
            }
            scale += exponentNegative ? -exponent : exponent
        }
        guard scale >= -22, scale <= 22 else { return nil }
        var value = Double(mantissa)  // exact: at most 15 digits
        if scale < 0 { value /= exactPowers[-scale] } else if scale > 0 { value *= exactPowers[scale] }
        return negative ? -value : value
    }

    static let digitBytes = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4]

    /// MySQL's binary DECIMAL (`DecimalFormat`) of the decimal text `[-]digits[.digits]`, written to `out` (room
    /// for 32 bytes); returns its length, nil when the text does not fit the column.
    static func encodeDecimal(
        _ bytes: [UInt8], _ range: Range<Int>, precision: Int, scale: Int, to out: UnsafeMutableBufferPointer<UInt8>
    ) -> Int? {
        guard precision > 0, precision <= 65, scale >= 0, scale <= 30, scale <= precision, !range.isEmpty,
            DecimalFormat.binarySize(precision: precision, scale: scale) <= out.count
        else {
            return nil
        }
        var index = range.lowerBound
        let negative = bytes[index] == 45
        if negative { index += 1 }
        while index < range.upperBound - 1, bytes[index] == 48, bytes[index + 1] != 46 { index += 1 }
        let integerStart = index
        while index < range.upperBound, bytes[index] &- 48 < 10 { index += 1 }
        let integerEnd = index
        var fractionStart = index
        var fractionEnd = index
        if index < range.upperBound {
            guard bytes[index] == 46 else { return nil }
            fractionStart = index + 1
            fractionEnd = fractionStart
            while fractionEnd < range.upperBound, bytes[fractionEnd] &- 48 < 10 { fractionEnd += 1 }
            guard fractionEnd == range.upperBound else { return nil }
        }
        let integerDigits = precision - scale
        var integerLength = integerEnd - integerStart
        // "0.5": the single leading zero is not a digit of the integer part.
        if integerLength == 1 && bytes[integerStart] == 48 { integerLength = 0 }
        guard integerLength <= integerDigits, fractionEnd - fractionStart <= scale else { return nil }
        let pad = integerDigits - integerLength
        let firstIntegerDigit = integerEnd - integerLength
        func integerDigit(_ position: Int) -> UInt32 {
            position < pad ? 0 : UInt32(bytes[firstIntegerDigit + position - pad] - 48)
        }
        func fractionDigit(_ position: Int) -> UInt32 {
            fractionStart + position < fractionEnd ? UInt32(bytes[fractionStart + position] - 48) : 0
        }
        var count = 0
        func emit(_ value: UInt32, digits: Int) {
            let width = digits == 9 ? 4 : digitBytes[digits]
            var shift = (width - 1) * 8
            while shift >= 0 {
                out[count] = UInt8(truncatingIfNeeded: value >> UInt32(shift))
                count += 1
                shift -= 8
            }
        }
        var position = 0
        let leading = integerDigits % 9
        if leading > 0 {
            var value: UInt32 = 0
            for offset in 0..<leading { value = value * 10 + integerDigit(offset) }
            emit(value, digits: leading)
            position = leading
        }
        while position < integerDigits {
            var value: UInt32 = 0
            for offset in position..<(position + 9) { value = value * 10 + integerDigit(offset) }
            emit(value, digits: 9)
            position += 9
        }
        position = 0
        while position < scale {
            let count = min(9, scale - position)
            var value: UInt32 = 0
            for offset in position..<(position + count) { value = value * 10 + fractionDigit(offset) }
            emit(value, digits: count)
            position += count
        }
        if negative {
            for offset in 0..<count { out[offset] = ~out[offset] }
        }
        if count > 0 { out[0] ^= 0x80 }
        return count == DecimalFormat.binarySize(precision: precision, scale: scale) ? count : nil
    }

    @inline(__always)
    static func digits(_ bytes: [UInt8], _ start: Int, _ count: Int) -> UInt32? {
        var value: UInt32 = 0
        for index in start..<(start + count) {
            let digit = bytes[index] &- 48
            guard digit < 10 else { return nil }
            value = value * 10 + UInt32(digit)
        }
        return value
    }

    static func parseDate(_ bytes: [UInt8], _ start: Int, _ end: Int) -> (year: UInt16, month: UInt8, day: UInt8)? {
        guard end - start >= 10, bytes[start + 4] == 45, bytes[start + 7] == 45,
            let year = digits(bytes, start, 4), let month = digits(bytes, start + 5, 2),
            let day = digits(bytes, start + 8, 2)
        else { return nil }
        return (UInt16(year), UInt8(month), UInt8(day))
    }

    /// `.ffffff` (1…6 digits) as microseconds; nil when malformed. `start == end`: zero.
    static func fraction(_ bytes: [UInt8], _ start: Int, _ end: Int) -> UInt32? {
        if start == end { return 0 }
        let count = end - start - 1
        guard bytes[start] == 46, count >= 1, count <= 6, let value = digits(bytes, start + 1, count) else {
            return nil
        }
        var micros = value
        for _ in count..<6 { micros *= 10 }
        return micros
    }

    static func parseDateTime(_ bytes: [UInt8], _ range: Range<Int>, fsp: UInt8) -> DateTimeValue? {
        let start = range.lowerBound
        guard range.count >= 19, let date = parseDate(bytes, start, range.upperBound), bytes[start + 10] == 32,
            bytes[start + 13] == 58, bytes[start + 16] == 58, let hour = digits(bytes, start + 11, 2),
            let minute = digits(bytes, start + 14, 2), let second = digits(bytes, start + 17, 2),
            let micros = fraction(bytes, start + 19, range.upperBound)
        else { return nil }
        return DateTimeValue(
            year: date.year, month: date.month, day: date.day, hour: UInt8(hour), minute: UInt8(minute),
            second: UInt8(second), microseconds: micros, fsp: fsp)
    }

    static func parseTime(_ bytes: [UInt8], _ range: Range<Int>, fsp: UInt8) -> TimeValue? {
        var start = range.lowerBound
        let negative = start < range.upperBound && bytes[start] == 45
        if negative { start += 1 }
        var colon = start
        while colon < range.upperBound && bytes[colon] != 58 { colon += 1 }
        let hourDigits = colon - start
        guard hourDigits >= 2, hourDigits <= 3, colon + 6 <= range.upperBound, bytes[colon + 3] == 58,
            let hours = digits(bytes, start, hourDigits), let minutes = digits(bytes, colon + 1, 2),
            let seconds = digits(bytes, colon + 4, 2), let micros = fraction(bytes, colon + 6, range.upperBound)
        else { return nil }
        return TimeValue(
            negative: negative, hours: hours, minutes: UInt8(minutes), seconds: UInt8(seconds), microseconds: micros,
            fsp: fsp)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
