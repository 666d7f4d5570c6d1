/// Small writers for JSON text straight into a byte buffer: numbers without `String`, base64, fixed-width
/// decimal fields. The record hot path uses these instead of Foundation's encoders.
public enum JSONOutput {
    @inline(__always)
    public static func appendLiteral(_ text: StaticString, into out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    public static func append(_ value: UInt64, into out: inout [UInt8]) {
        if value < 10 {
            out.append(48 + UInt8(value))
            return
        }
        // 20 digits at most, built in reverse in a fixed-size buffer on the stack.
        var buffer = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                      UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        var count = 0
        var remaining = value
        withUnsafeMutableBytes(of: &buffer) { raw in
            while remaining > 0 {
                raw[19 - count] = 48 + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            }
            out.append(contentsOf: raw[(20 - count)...])
        }
    }

    public static func append(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 {
            out.append(45)
            append(value.magnitude, into: &out)
        } else {
            append(UInt64(value), into: &out)
        }
    }

    /// `value` as exactly `width` digits, zero-padded (more digits if it does not fit).
    @inline(__always)
    public static func appendPadded(_ value: UInt64, width: Int, into out: inout [UInt8]) {
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
    public static func append(_ value: Float, into out: inout [UInt8]) {
        guard value.isFinite else {
            appendLiteral("null", into: &out)
            return
        }
        out.append(contentsOf: value.description.utf8)
    }

    public static func append(_ value: Double, into out: inout [UInt8]) {
        guard value.isFinite else {
            appendLiteral("null", into: &out)
            return
        }
        out.append(contentsOf: value.description.utf8)
    }

    static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding, quoted, followed by `padTo - bytes.count` zero bytes when `padTo` is larger.
    public static func appendBase64(_ bytes: UnsafeRawBufferPointer, padTo: Int = 0, into out: inout [UInt8]) {
        out.append(34)
        let total = max(bytes.count, padTo)
        var index = 0
        @inline(__always) func byte(_ at: Int) -> UInt32 { at < bytes.count ? UInt32(bytes[at]) : 0 }
        base64Alphabet.withUnsafeBufferPointer { alphabet in
            while index + 3 <= total {
                let group = byte(index) << 16 | byte(index + 1) << 8 | byte(index + 2)
                out.append(alphabet[Int(group >> 18)])
                out.append(alphabet[Int((group >> 12) & 63)])
                out.append(alphabet[Int((group >> 6) & 63)])
                out.append(alphabet[Int(group & 63)])
                index += 3
            }
            let left = total - index
            if left == 1 {
                let group = byte(index) << 16
                out.append(alphabet[Int(group >> 18)])
                out.append(alphabet[Int((group >> 12) & 63)])
                out.append(61)
                out.append(61)
            } else if left == 2 {
                let group = byte(index) << 16 | byte(index + 1) << 8
                out.append(alphabet[Int(group >> 18)])
                out.append(alphabet[Int((group >> 12) & 63)])
                out.append(alphabet[Int((group >> 6) & 63)])
                out.append(61)
            }
        }
        out.append(34)
    }
}
