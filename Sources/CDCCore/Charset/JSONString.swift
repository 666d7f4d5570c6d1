/// Writes text as a JSON string literal (`"..."`, UTF-8, escaped) straight into a byte buffer.
///
/// The record writer builds each record in one buffer (`OutputBuffer`, or a `[UInt8]`); string columns arrive as
/// bytes in the column's character set. These functions convert and escape in one pass without building a `String`
/// or any per-character heap allocation: runs of bytes that need no change (plain ASCII, and for UTF-8 input also
/// valid multi-byte sequences) are found eight bytes at a time and copied in bulk.
///
/// Escaping follows RFC 8259: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control characters below U+0020 as
/// `\u00xx` (lowercase hex). DEL and U+2028/U+2029 are valid in JSON and stay raw. Input that is not valid in its
/// character set becomes U+FFFD, one per maximal invalid subsequence (the Unicode and WHATWG practice); nothing traps
/// on input bytes.
public enum JSONString {
    /// Appends `"..."`: `bytes` (encoded in `charset`) converted to UTF-8 and escaped.
    ///
    /// `binary` is read as latin1, so every byte becomes one character; callers that want the bytes themselves
    /// (base64) must check `charset.isBinary` first.
    public static func append(_ bytes: UnsafeRawBufferPointer, charset: Charset, into out: inout [UInt8]) {
        appendQuoted(bytes, charset: charset, into: &out)
    }

    /// Appends `"..."`: `bytes` (encoded in `charset`) converted to UTF-8 and escaped. See the `[UInt8]` variant.
    public static func append(_ bytes: UnsafeRawBufferPointer, charset: Charset, into out: inout OutputBuffer) {
        appendQuoted(bytes, charset: charset, into: &out)
    }

    /// Appends `"..."` for bytes already in UTF-8 (utf8mb3/utf8mb4 columns): validated, escaped, copied in runs.
    public static func appendUTF8(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        appendQuotedUTF8(bytes, into: &out)
    }

    /// Appends `"..."` for bytes already in UTF-8: validated, escaped, copied in runs.
    public static func appendUTF8(_ bytes: UnsafeRawBufferPointer, into out: inout OutputBuffer) {
        appendQuotedUTF8(bytes, into: &out)
    }

    /// Appends `"..."` for a Swift string (names, messages): escaped, copied in runs.
    public static func append(_ string: String, into out: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            appendQuotedUTF8(UnsafeRawBufferPointer(utf8), into: &out)
        }
    }

    /// Appends `"..."` for a Swift string (names, messages): escaped, copied in runs.
    public static func append(_ string: String, into out: inout OutputBuffer) {
        var string = string
        string.withUTF8 { utf8 in
            appendQuotedUTF8(UnsafeRawBufferPointer(utf8), into: &out)
        }
    }

    // MARK: - The one implementation behind both buffer types

    static func appendQuoted<Sink: JSONByteSink & ~Copyable>(
        _ bytes: UnsafeRawBufferPointer, charset: Charset, into out: inout Sink
    ) {
        out.reserveSpare(bytes.count + 2)
        out.appendByte(quote)
        switch charset.id.decoding {
        case .utf8:
            appendEscapedUTF8(bytes, into: &out)
        case .ascii:
            appendSingleByte(bytes, table: nil, into: &out)
        case .singleByte(let table):
            appendSingleByte(bytes, table: table, into: &out)
        case .ucs2:
            appendUCS2(bytes, into: &out)
        case .utf16(let bigEndian):
            appendUTF16(bytes, bigEndian: bigEndian, into: &out)
        case .utf32:
            appendUTF32(bytes, into: &out)
        case .iconv(let converter):
            converter.appendEscaped(bytes, into: &out)
        }
        out.appendByte(quote)
    }

    static func appendQuotedUTF8<Sink: JSONByteSink & ~Copyable>(
        _ bytes: UnsafeRawBufferPointer, into out: inout Sink
    ) {
        out.reserveSpare(bytes.count + 2)
        out.appendByte(quote)
        appendEscapedUTF8(bytes, into: &out)
        out.appendByte(quote)
    }

    // MARK: - Building blocks (also used by IconvConverter)

    @inline(__always) static var quote: UInt8 { 0x22 }
    @inline(__always) static var backslash: UInt8 { 0x5C }

    /// True for an ASCII byte that goes into a JSON string as it is.
    @inline(__always)
    static func isPlainASCII(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x80 && byte != quote && byte != backslash
    }

    /// How many bytes from `index` on are plain ASCII, checked eight at a time (SWAR on one 64-bit load): the scan
    /// that makes mostly-ASCII text cheap. Exact up to the last whole word; the caller checks the last 0...7 bytes
    /// (and the byte the scan stopped at) one by one.
    @inline(__always)
    static func plainASCIIPrefix(_ bytes: UnsafeRawBufferPointer, from index: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var position = index
        while position + 8 <= bytes.count {
            // Little-endian order, so the first byte is the lowest: the lowest flag below marks the first special byte.
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            let quotes = word ^ (ones &* 0x22)
            let backslashes = word ^ (ones &* 0x5C)
            // The high bit of a byte is set here when it is 0x80 or more, below 0x20, '"' or '\\' (the usual "has a
            // byte less than n" and "has a zero byte" tricks). Borrows can also flag bytes after a flagged one, never
            // before it, so the lowest flag is exact.
            let special =
                (word
                    | ((word &- ones &* 0x20) & ~word)
                    | ((quotes &- ones) & ~quotes)
                    | ((backslashes &- ones) & ~backslashes)) & highs
            if special != 0 {
                return position - index + special.trailingZeroBitCount / 8
            }
            position += 8
        }
        return position - index
    }

    /// Appends the JSON escape of an ASCII byte that is not plain (a control character, `"` or `\`).
    static func appendEscape<Sink: JSONByteSink & ~Copyable>(_ byte: UInt8, into out: inout Sink) {
        switch byte {
        case quote:
            out.appendByte(backslash)
            out.appendByte(quote)
        case backslash:
            out.appendByte(backslash)
            out.appendByte(backslash)
        case 0x08:
            out.appendByte(backslash)
            out.appendByte(UInt8(ascii: "b"))
        case 0x0C:
            out.appendByte(backslash)
            out.appendByte(UInt8(ascii: "f"))
        case 0x0A:
            out.appendByte(backslash)
            out.appendByte(UInt8(ascii: "n"))
        case 0x0D:
            out.appendByte(backslash)
            out.appendByte(UInt8(ascii: "r"))
        case 0x09:
            out.appendByte(backslash)
            out.appendByte(UInt8(ascii: "t"))
        default:
            out.appendByte(backslash)
            out.appendByte(UInt8(ascii: "u"))
            out.appendByte(UInt8(ascii: "0"))
            out.appendByte(UInt8(ascii: "0"))
            out.appendByte(hexDigit(byte >> 4))
            out.appendByte(hexDigit(byte & 0xF))
        }
    }

    /// The lowercase hex digit of `nibble` (0...15).
    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + (nibble - 10)
    }

    /// Appends U+FFFD, the replacement for input that is not valid in its character set.
    @inline(__always)
    static func appendReplacement<Sink: JSONByteSink & ~Copyable>(into out: inout Sink) {
        out.appendByte(0xEF)
        out.appendByte(0xBF)
        out.appendByte(0xBD)
    }

    /// Appends one Unicode scalar as UTF-8, escaped if it is ASCII. `value` must be a scalar (no surrogate, at most
    /// U+10FFFF); the decoders check that and pass U+FFFD instead.
    @inline(__always)
    static func appendScalar<Sink: JSONByteSink & ~Copyable>(_ value: UInt32, into out: inout Sink) {
        if value < 0x80 {
            let byte = UInt8(truncatingIfNeeded: value)
            if isPlainASCII(byte) {
                out.appendByte(byte)
            } else {
                appendEscape(byte, into: &out)
            }
        } else if value < 0x800 {
            out.appendByte(UInt8(truncatingIfNeeded: 0xC0 | (value >> 6)))
            out.appendByte(UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F)))
        } else if value < 0x1_0000 {
            out.appendByte(UInt8(truncatingIfNeeded: 0xE0 | (value >> 12)))
            out.appendByte(UInt8(truncatingIfNeeded: 0x80 | ((value >> 6) & 0x3F)))
            out.appendByte(UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F)))
        } else {
            out.appendByte(UInt8(truncatingIfNeeded: 0xF0 | (value >> 18)))
            out.appendByte(UInt8(truncatingIfNeeded: 0x80 | ((value >> 12) & 0x3F)))
            out.appendByte(UInt8(truncatingIfNeeded: 0x80 | ((value >> 6) & 0x3F)))
            out.appendByte(UInt8(truncatingIfNeeded: 0x80 | (value & 0x3F)))
        }
    }

    /// Appends `bytes[range]` as they are.
    @inline(__always)
    static func appendRun<Sink: JSONByteSink & ~Copyable>(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, into out: inout Sink
    ) {
        if !range.isEmpty {
            out.appendBytes(UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
    }

    // MARK: - UTF-8

    /// Escapes UTF-8 `bytes` into `out` without quotes; invalid sequences become U+FFFD.
    static func appendEscapedUTF8<Sink: JSONByteSink & ~Copyable>(
        _ bytes: UnsafeRawBufferPointer, into out: inout Sink
    ) {
        let count = bytes.count
        var index = 0
        var runStart = 0
        // Plain ASCII bytes in a row: the word-at-a-time scan starts once text looks like ASCII (from the start, or
        // after four plain bytes), so text dense in other characters does not pay for scans that stop at once.
        var plainStreak = 4
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 {
                if isPlainASCII(byte) {
                    index += 1
                    plainStreak += 1
                    if plainStreak >= 4 {
                        index += plainASCIIPrefix(bytes, from: index)
                        plainStreak = 0
                    }
                    continue
                }
                appendRun(bytes, runStart..<index, into: &out)
                appendEscape(byte, into: &out)
                index += 1
                runStart = index
                plainStreak = 0
                continue
            }
            plainStreak = 0
            let length = utf8SequenceLength(bytes, at: index)
            if length > 0 {
                index += length
                continue
            }
            appendRun(bytes, runStart..<index, into: &out)
            appendReplacement(into: &out)
            index -= length
            runStart = index
        }
        appendRun(bytes, runStart..<count, into: &out)
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (whose first byte is 0x80 or more), or, when
    /// it is not well-formed, minus the length of its maximal invalid subpart (at least 1) — the bytes that one
    /// U+FFFD replaces. Follows the Unicode Standard's table 3-7, so overlong forms, surrogates (ED A0..BF) and
    /// values above U+10FFFF are invalid, as is a sequence cut short by the end of the input.
    @inline(__always)
    static func utf8SequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        let lead = bytes[index]
        let available = bytes.count - index
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF:
            length = 2
        case 0xE0:
            length = 3
            secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF:
            length = 3
        case 0xED:
            length = 3
            secondHigh = 0x9F
        case 0xF0:
            length = 4
            secondLow = 0x90
        case 0xF1...0xF3:
            length = 4
        case 0xF4:
            length = 4
            secondHigh = 0x8F
        default:
            return -1
        }
        if available < 2 {
            return -1
        }
        let second = bytes[index + 1]
        if second < secondLow || second > secondHigh {
            return -1
        }
        var position = 2
        while position < length {
            if position >= available {
                return -position
            }
            let next = bytes[index + position]
            if next < 0x80 || next > 0xBF {
                return -position
            }
            position += 1
        }
        return length
    }

    // MARK: - One-byte character sets

    /// Converts one-byte text. `table` maps bytes 0x80...0xFF (128 entries, bytes below are ASCII) or every byte
    /// (256 entries); nil means ASCII, where bytes 0x80 and up become U+FFFD.
    static func appendSingleByte<Sink: JSONByteSink & ~Copyable>(
        _ bytes: UnsafeRawBufferPointer, table: [UInt16]?, into out: inout Sink
    ) {
        let count = bytes.count
        if let table, table.count == 256 {
            for byte in bytes {
                appendScalar(UInt32(table[Int(byte)]), into: &out)
            }
            return
        }
        var index = 0
        var runStart = 0
        while index < count {
            let byte = bytes[index]
            if isPlainASCII(byte) {
                index += 1
                index += plainASCIIPrefix(bytes, from: index)
                continue
            }
            appendRun(bytes, runStart..<index, into: &out)
            if byte < 0x80 {
                appendEscape(byte, into: &out)
            } else if let table, table.count == 128 {
                appendScalar(UInt32(table[Int(byte) - 0x80]), into: &out)
            } else {
                appendReplacement(into: &out)
            }
            index += 1
            runStart = index
        }
        appendRun(bytes, runStart..<count, into: &out)
    }

    // MARK: - UCS-2, UTF-16, UTF-32

    /// Converts big-endian UCS-2 (MySQL's ucs2: the BMP only). A surrogate code unit or an odd last byte is U+FFFD.
    static func appendUCS2<Sink: JSONByteSink & ~Copyable>(_ bytes: UnsafeRawBufferPointer, into out: inout Sink) {
        let count = bytes.count
        var index = 0
        while index + 1 < count {
            let unit = UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            appendScalar(isSurrogate(unit) ? 0xFFFD : unit, into: &out)
            index += 2
        }
        if index < count {
            appendReplacement(into: &out)
        }
    }

    /// Converts UTF-16 (MySQL's utf16 is big-endian, utf16le little-endian). A surrogate that is not part of a
    /// high-low pair, or an odd last byte, is U+FFFD.
    static func appendUTF16<Sink: JSONByteSink & ~Copyable>(
        _ bytes: UnsafeRawBufferPointer, bigEndian: Bool, into out: inout Sink
    ) {
        let count = bytes.count
        var index = 0
        while index + 1 < count {
            let unit = codeUnit(bytes, at: index, bigEndian: bigEndian)
            index += 2
            if !isSurrogate(unit) {
                appendScalar(unit, into: &out)
                continue
            }
            if unit <= 0xDBFF && index + 1 < count {
                let low = codeUnit(bytes, at: index, bigEndian: bigEndian)
                if low >= 0xDC00 && low <= 0xDFFF {
                    appendScalar(0x1_0000 + ((unit - 0xD800) << 10) + (low - 0xDC00), into: &out)
                    index += 2
                    continue
                }
            }
            appendReplacement(into: &out)
        }
        if index < count {
            appendReplacement(into: &out)
        }
    }

    /// Converts big-endian UTF-32 (MySQL's utf32). A surrogate, a value above U+10FFFF or 1-3 leftover bytes is U+FFFD.
    static func appendUTF32<Sink: JSONByteSink & ~Copyable>(_ bytes: UnsafeRawBufferPointer, into out: inout Sink) {
        let count = bytes.count
        var index = 0
        while index + 3 < count {
            let value =
                UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16
                | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
            appendScalar(value > 0x10FFFF || isSurrogate(value) ? 0xFFFD : value, into: &out)
            index += 4
        }
        if index < count {
            appendReplacement(into: &out)
        }
    }

    @inline(__always)
    static func isSurrogate(_ value: UInt32) -> Bool {
        value >= 0xD800 && value <= 0xDFFF
    }

    @inline(__always)
    static func codeUnit(_ bytes: UnsafeRawBufferPointer, at index: Int, bigEndian: Bool) -> UInt32 {
        let first = UInt32(bytes[index])
        let second = UInt32(bytes[index + 1])
        return bigEndian ? first << 8 | second : second << 8 | first
    }
}
