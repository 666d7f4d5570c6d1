/// Writes the pieces of MySQL's JSON text form (`Json_wrapper::to_string` in `sql-common/json_dom.cc`) straight into
/// a byte buffer, so rendering a document does not build intermediate `String`s.
enum JSONTextWriter {
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C

    /// Appends ASCII text.
    static func write(_ text: StaticString, into out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    // MARK: - Strings

    /// Writes `bytes` as a double-quoted JSON string the way MySQL's `double_quote()` does: `"` and `\` get a
    /// backslash, the control characters 0x08/0x09/0x0A/0x0C/0x0D become `\b \t \n \f \r`, the other bytes below
    /// 0x20 become `\u00xx` (lower-case hex); everything else is copied.
    ///
    /// MySQL copies bytes that are not UTF-8 as they are. Here each ill-formed sequence becomes U+FFFD (one per
    /// maximal ill-formed subpart, the same rule as `String(decoding:as:)`), so the output is always valid UTF-8
    /// and renders the same text as a `JSONValue.string` made from the same bytes.
    static func writeQuotedString<C: RandomAccessCollection>(_ bytes: C, into out: inout [UInt8])
    where C.Element == UInt8, C.Index == Int {
        out.append(quote)
        var index = bytes.startIndex
        var runStart = index
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x80 && byte != quote && byte != backslash {
                index += 1
                continue
            }
            if byte < 0x80 {
                out.append(contentsOf: bytes[runStart..<index])
                writeEscape(byte, into: &out)
                index += 1
                runStart = index
                continue
            }
            let length = utf8SequenceLength(bytes, at: index)
            if length > 0 {
                // A well-formed multi-byte character: stays in the current run of bytes to copy.
                index += length
                continue
            }
            out.append(contentsOf: bytes[runStart..<index])
            out.append(contentsOf: [0xEF, 0xBF, 0xBD])
            index += -length
            runStart = index
        }
        out.append(contentsOf: bytes[runStart..<end])
        out.append(quote)
    }

    /// The escape sequence MySQL's `escape_character()` writes for `"`, `\` and the bytes below 0x20.
    static func writeEscape(_ byte: UInt8, into out: inout [UInt8]) {
        out.append(backslash)
        switch byte {
        case 0x08: out.append(0x62)  // b
        case 0x09: out.append(0x74)  // t
        case 0x0A: out.append(0x6E)  // n
        case 0x0C: out.append(0x66)  // f
        case 0x0D: out.append(0x72)  // r
        case quote, backslash: out.append(byte)
        default:
            write("u00", into: &out)
            out.append(hexDigit(byte >> 4))
            out.append(hexDigit(byte & 0x0F))
        }
    }

    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
    }

    /// The length of the well-formed UTF-8 sequence that starts at `index` (a positive number), or minus the length
    /// of the maximal ill-formed subpart there (a negative number), per the Unicode standard's table of well-formed
    /// byte sequences (Table 3-7). `bytes[index]` must be >= 0x80.
    static func utf8SequenceLength<C: RandomAccessCollection>(_ bytes: C, at index: Int) -> Int
    where C.Element == UInt8, C.Index == Int {
        let lead = bytes[index]
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondHigh = 0x9F
        case 0xF0:
            length = 4
            secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondHigh = 0x8F
        default: return -1
        }
        var seen = 1
        while seen < length {
            let position = index + seen
            if position >= bytes.endIndex { return -seen }
            let byte = bytes[position]
            let low: UInt8 = seen == 1 ? secondLow : 0x80
            let high: UInt8 = seen == 1 ? secondHigh : 0xBF
            if byte < low || byte > high { return -seen }
            seen += 1
        }
        return length
    }

    // MARK: - Integers

    /// Decimal digits of `value`, no sign (what MySQL's `append_ulonglong` writes).
    static func writeUInt(_ value: UInt64, into out: inout [UInt8]) {
        let start = out.count
        var rest = value
        repeat {
            out.append(0x30 + UInt8(truncatingIfNeeded: rest % 10))
            rest /= 10
        } while rest != 0
        reverse(&out, from: start)
    }

    /// Decimal digits with a leading `-` for negative values (MySQL's `append_longlong`).
    static func writeInt(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(0x2D) }
        writeUInt(value.magnitude, into: &out)
    }

    /// Decimal digits padded with leading zeros to at least `width` digits (`%0Nu`).
    static func writeZeroPadded(_ value: UInt64, width: Int, into out: inout [UInt8]) {
        let start = out.count
        var rest = value
        var written = 0
        repeat {
            out.append(0x30 + UInt8(truncatingIfNeeded: rest % 10))
            rest /= 10
            written += 1
        } while rest != 0 || written < width
        reverse(&out, from: start)
    }

    static func reverse(_ out: inout [UInt8], from start: Int) {
        var low = start
        var high = out.count - 1
        while low < high {
            out.swapAt(low, high)
            low += 1
            high -= 1
        }
    }

    // MARK: - Doubles

    /// MySQL's `MY_GCVT_MAX_FIELD_WIDTH` (`DBL_DIG + 4 + max(5, MAX_DECPT_FOR_F_FORMAT)` = 15 + 4 + 15): the field
    /// width the JSON renderer passes to `my_gcvt`.
    static let gcvtFieldWidth = 34
    /// MySQL's `MAX_DECPT_FOR_F_FORMAT` (`DBL_DIG`).
    static let maxDecimalPointForFixedFormat = 15

    /// Writes a double the way MySQL's JSON renderer does: `my_gcvt(d, MY_GCVT_ARG_DOUBLE, 34, …)` (the shortest
    /// digits that read back as the same double, in fixed notation unless the exponent is below -14 or above 15,
    /// then `1.5e20` / `1e-16` style), followed by `.0` when that text has neither a `.` nor an `e`, so a double
    /// stays distinguishable from an integer (`1.0`, `100.0`, but `1e20`).
    ///
    /// The shortest round-trip digits come from Swift's `description` (shortest and closest, like `dtoa` mode 0,
    /// which `dtoa` mode 4 with 34 digits reduces to); they are collected at the end of `out` and laid out there,
    /// without another buffer. At 34 characters `my_gcvt` never has to drop digits (a double has at most 17
    /// significant digits), so its truncation paths are not needed. NaN and infinity cannot be stored in a JSON
    /// document; `my_gcvt` would print `0` for them, so this writes `0.0`.
    static func writeDouble(_ value: Double, into out: inout [UInt8]) {
        guard value.isFinite else {
            write("0.0", into: &out)
            return
        }
        let negative = value.sign == .minus
        if negative { out.append(0x2D) }
        if value == 0 {
            // dtoa gives the digit "0" with the decimal point after it, and keeps the sign of -0.0.
            write("0.0", into: &out)
            return
        }
        let start = out.count
        let decimalPoint = appendShortestDigits(value.magnitude, into: &out)
        let count = out.count - start

        let width = negative ? gcvtFieldWidth - 1 : gcvtFieldWidth
        let exponentLength =
            1 + (decimalPoint >= 101 || decimalPoint <= -99 ? 1 : 0)
            + (decimalPoint >= 11 || decimalPoint <= -9 ? 1 : 0)
        let fixedLength =
            decimalPoint <= 0 ? count - decimalPoint + 2 : (decimalPoint < count ? count + 1 : decimalPoint)
        let haveSpace = fixedLength <= width
        let forceExponent = decimalPoint <= 0 && width <= 2 - decimalPoint && width >= 3 + exponentLength
        let fixedFits =
            haveSpace
            || (decimalPoint <= width
                && (decimalPoint >= -1 || (decimalPoint == -2 && (count > 1 || forceExponent == false)))
                && forceExponent == false)
        let fixedPreferred =
            haveSpace == false
            || (decimalPoint >= -maxDecimalPointForFixedFormat + 1
                && (decimalPoint <= maxDecimalPointForFixedFormat || count > decimalPoint))

        if fixedFits && fixedPreferred {
            if decimalPoint <= 0 {
                // 0.000ddd
                out.insert(contentsOf: repeatElement(0x30, count: 2 - decimalPoint), at: start)
                out[start + 1] = 0x2E
            } else if decimalPoint < count {
                out.insert(0x2E, at: start + decimalPoint)
            } else {
                out.append(contentsOf: repeatElement(0x30, count: decimalPoint - count))
                // No '.' and no 'e': MySQL appends ".0" so the value still reads as a double.
                write(".0", into: &out)
            }
        } else {
            if count > 1 { out.insert(0x2E, at: start + 1) }
            out.append(0x65)  // e
            let exponent = decimalPoint - 1
            if exponent < 0 { out.append(0x2D) }
            writeUInt(UInt64(exponent.magnitude), into: &out)
        }
    }

    /// Appends the shortest round-trip decimal digits of a positive finite double, without leading or trailing
    /// zeros, and returns the position of the decimal point relative to them (`value = 0.d1d2d3… × 10^result`, as
    /// `dtoa` reports it). Read from Swift's `description`, which is `123.456`, `0.001`, `1e-05` or `1.5e+20`
    /// shaped.
    static func appendShortestDigits(_ value: Double, into out: inout [UInt8]) -> Int {
        let start = out.count
        var integerDigits = 0
        var seenPoint = false
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        for byte in value.description.utf8 {
            if inExponent {
                if byte == 0x2D {
                    exponentNegative = true
                } else if byte >= 0x30 && byte <= 0x39 {
                    exponent = exponent * 10 + Int(byte - 0x30)
                }
                continue
            }
            switch byte {
            case 0x30...0x39:
                if byte == 0x30 && out.count == start {
                    // A leading zero ("0.001"): moves the decimal point instead of becoming a digit.
                    if seenPoint == false { continue }
                    integerDigits -= 1
                    continue
                }
                out.append(byte)
                if seenPoint == false { integerDigits += 1 }
            case 0x2E: seenPoint = true
            case 0x65, 0x45: inExponent = true
            default: break
            }
        }
        while out.count > start + 1, out[out.count - 1] == 0x30 { out.removeLast() }
        return integerDigits + (exponentNegative ? -exponent : exponent)
    }
}
