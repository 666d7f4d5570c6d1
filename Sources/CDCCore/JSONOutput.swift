/// Small writers for JSON text straight into a byte buffer: numbers without `String`, base64, fixed-width
/// decimal fields. The record hot path uses these instead of Foundation's encoders.
public enum JSONOutput {
    @inline(__always)
    public static func appendLiteral(_ text: StaticString, into out: inout OutputBuffer) {
        text.withUTF8Buffer { out.append(contentsOf: UnsafeRawBufferPointer($0)) }
    }

    /// "00" … "99": two digits per table lookup. A constant in the binary: no lazy initialization and no reference
    /// count to touch per value.
    static var digitPairText: StaticString {
        """
        0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """
    }

    @inline(__always)
    static func withDigitPairs<Result>(_ body: (UnsafePointer<UInt8>) -> Result) -> Result {
        body(digitPairText.utf8Start)
    }

    public static func append(_ value: UInt64, into out: inout OutputBuffer) {
        if value < 10 {
            out.append(48 + UInt8(value))
            return
        }
        // 20 digits at most, written backwards two at a time, then moved to the front.
        out.withUnsafeSpace(20) { target in
            withDigitPairs { pairs in
                var remaining = value
                var position = 20
                while remaining >= 100 {
                    let pair = Int(remaining % 100) * 2
                    remaining /= 100
                    position -= 2
                    target[position] = pairs[pair]
                    target[position + 1] = pairs[pair + 1]
                }
                if remaining >= 10 {
                    let pair = Int(remaining) * 2
                    position -= 2
                    target[position] = pairs[pair]
                    target[position + 1] = pairs[pair + 1]
                } else {
                    position -= 1
                    target[position] = 48 + UInt8(remaining)
                }
                let length = 20 - position
                target.update(from: target + position, count: length)
                return length
            }
        }
    }

    public static func append(_ value: Int64, into out: inout OutputBuffer) {
        if value < 0 {
            out.append(45)
            append(value.magnitude, into: &out)
        } else {
            append(UInt64(value), into: &out)
        }
    }

    /// `value` as exactly `width` digits, zero-padded (more digits if it does not fit).
    @inline(__always)
    public static func appendPadded(_ value: UInt64, width: Int, into out: inout OutputBuffer) {
        if width == 2 && value < 100 {
            let pair = Int(value) * 2
            withDigitPairs { pairs in
                out.append(pairs[pair])
                out.append(pairs[pair + 1])
            }
            return
        }
        if width == 4 && value < 10000 {
            let high = Int(value / 100) * 2
            let low = Int(value % 100) * 2
            withDigitPairs { pairs in
                out.append(pairs[high])
                out.append(pairs[high + 1])
                out.append(pairs[low])
                out.append(pairs[low + 1])
            }
            return
        }
        var divisor: UInt64 = 1
        var digits = 1
        while digits < width || value / divisor >= 10 {
            divisor *= 10
            digits += 1
        }
        var remaining = value
        while divisor > 0 {
            out.append(48 + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }

    /// Shortest round-trip text of a float32 (`1.1`), `null` for NaN/infinity (not JSON numbers).
    public static func append(_ value: Float, into out: inout OutputBuffer) {
        guard value.isFinite else {
            appendLiteral("null", into: &out)
            return
        }
        var text = value.description
        text.withUTF8 { out.append(contentsOf: UnsafeRawBufferPointer($0)) }
    }

    public static func append(_ value: Double, into out: inout OutputBuffer) {
        guard value.isFinite else {
            appendLiteral("null", into: &out)
            return
        }
        var text = value.description
        text.withUTF8 { out.append(contentsOf: UnsafeRawBufferPointer($0)) }
    }

    static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding, quoted, followed by `padTo - bytes.count` zero bytes when `padTo` is larger.
    public static func appendBase64(_ bytes: UnsafeRawBufferPointer, padTo: Int = 0, into out: inout OutputBuffer) {
        let total = max(bytes.count, padTo)
        let encoded = (total + 2) / 3 * 4
        out.withUnsafeSpace(encoded + 2) { target in
            base64Alphabet.withUnsafeBufferPointer { alphabet in
                var write = target
                write.pointee = 34
                write += 1
                var index = 0
                @inline(__always) func byte(_ at: Int) -> UInt32 { at < bytes.count ? UInt32(bytes[at]) : 0 }
                while index + 3 <= total {
                    let group = byte(index) << 16 | byte(index + 1) << 8 | byte(index + 2)
                    write[0] = alphabet[Int(group >> 18)]
                    write[1] = alphabet[Int((group >> 12) & 63)]
                    write[2] = alphabet[Int((group >> 6) & 63)]
                    write[3] = alphabet[Int(group & 63)]
                    write += 4
                    index += 3
                }
                let left = total - index
                if left > 0 {
                    let group = byte(index) << 16 | (left == 2 ? byte(index + 1) << 8 : 0)
                    write[0] = alphabet[Int(group >> 18)]
                    write[1] = alphabet[Int((group >> 12) & 63)]
                    write[2] = left == 2 ? alphabet[Int((group >> 6) & 63)] : 61
                    write[3] = 61
                    write += 4
                }
                write.pointee = 34
                return encoded + 2
            }
        }
    }
}
