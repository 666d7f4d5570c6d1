/// Text as raw UTF-8 bytes (not JSON-escaped), for binary formats: Avro strings, labels in schemas.
///
/// Conversion from a column's character set is `JSONString`'s (one implementation for every format): the text is
/// converted and escaped as a JSON string literal, then the escapes are undone. Invalid input becomes U+FFFD as
/// in the JSON formats.
enum UTF8Text {
    /// `bytes` in `charset`, as UTF-8.
    static func convert(_ bytes: UnsafeRawBufferPointer, charset: Charset) -> [UInt8] {
        if charset == .utf8mb4 || charset == .utf8mb3, isPlainASCII(bytes) { return Array(bytes) }
        var quoted: [UInt8] = []
        JSONString.append(bytes, charset: charset, into: &quoted)
        return unescape(quoted[...].dropFirst().dropLast())
    }

    /// The contents of a JSON string literal (without its quotes) with its escapes undone.
    static func unescape(_ text: ArraySlice<UInt8>) -> [UInt8] {
        guard text.contains(92) else { return Array(text) }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var index = text.startIndex
        var pendingHigh: UInt32?
        while index < text.endIndex {
            let byte = text[index]
            index += 1
            guard byte == 92, index < text.endIndex else {
                flush(&pendingHigh, into: &out)
                out.append(byte)
                continue
            }
            let escape = text[index]
            index += 1
            if escape == 117 /* u */ {
                guard let unit = hex4(text, at: index) else {
                    flush(&pendingHigh, into: &out)
                    appendScalar(0xFFFD, into: &out)
                    continue
                }
                index += 4
                if (0xD800...0xDBFF).contains(unit) {
                    flush(&pendingHigh, into: &out)
                    pendingHigh = unit
                } else if (0xDC00...0xDFFF).contains(unit) {
                    if let high = pendingHigh {
                        appendScalar(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00), into: &out)
                        pendingHigh = nil
                    } else {
                        appendScalar(0xFFFD, into: &out)
                    }
                } else {
                    flush(&pendingHigh, into: &out)
                    appendScalar(unit, into: &out)
                }
                continue
            }
            flush(&pendingHigh, into: &out)
            switch escape {
            case 98: out.append(8)  // \b
            case 102: out.append(12)  // \f
            case 110: out.append(10)  // \n
            case 114: out.append(13)  // \r
            case 116: out.append(9)  // \t
            default: out.append(escape)  // \" \\ \/
            }
        }
        flush(&pendingHigh, into: &out)
        return out
    }

    static func isPlainASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for byte in bytes where byte >= 0x80 { return false }
        return true
    }

    /// A lone high surrogate is not a character: U+FFFD.
    private static func flush(_ pendingHigh: inout UInt32?, into out: inout [UInt8]) {
        if pendingHigh != nil {
            appendScalar(0xFFFD, into: &out)
            pendingHigh = nil
        }
    }

    private static func hex4(_ text: ArraySlice<UInt8>, at index: Int) -> UInt32? {
        guard index + 4 <= text.endIndex else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = text[index + offset]
            let digit: UInt8
            switch byte {
            case 48...57: digit = byte - 48
            case 65...70: digit = byte - 55
            case 97...102: digit = byte - 87
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    static func appendScalar(_ scalar: UInt32, into out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18) & 0x07))
            out.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
            out.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
