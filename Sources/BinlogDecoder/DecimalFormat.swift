/// MySQL's binary DECIMAL format: the integer and fraction parts in groups of 9 decimal digits, each group a
/// big-endian integer of 4 bytes (fewer for a partial group), the sign in the top bit (inverted), and every byte
/// of a negative number complemented.
public enum DecimalFormat {
    static let digitBytes = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4]

    public static func binarySize(precision: Int, scale: Int) -> Int {
        let integer = precision - scale
        return (integer / 9) * 4 + digitBytes[integer % 9] + (scale / 9) * 4 + digitBytes[scale % 9]
    }

    /// The most bytes `render` writes: 65 digits, a sign and a point.
    public static let maxTextLength = 68

    /// Appends the exact decimal text (`-12.50`: no leading zeros, exactly `scale` fraction digits) as ASCII.
    public static func render(
        _ bytes: [UInt8], _ range: Range<Int>, precision: Int, scale: Int,
        into out: inout [UInt8]
    ) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxTextLength) { buffer in
            guard let base = buffer.baseAddress else { return }
            let count = render(bytes, range, precision: precision, scale: scale, to: base)
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
        }
    }

    /// Writes the decimal text to `target` (room for `maxTextLength` bytes) and returns its length.
    public static func render(
        _ bytes: [UInt8], _ range: Range<Int>, precision: Int, scale: Int,
        to target: UnsafeMutablePointer<UInt8>
    ) -> Int {
        var out = TextCursor(base: target)
        let integerDigits = precision - scale
        guard precision > 0, scale >= 0, integerDigits >= 0, !range.isEmpty,
            binarySize(precision: precision, scale: scale) == range.count
        else {
            out.append(48)
            return out.count
        }
        let negative = bytes[range.lowerBound] & 0x80 == 0
        let mask: UInt8 = negative ? 0xff : 0
        var position = range.lowerBound
        func group(_ width: Int) -> UInt32 {
            var value: UInt32 = 0
            for index in 0..<width {
                var byte = bytes[position + index] ^ mask
                if position + index == range.lowerBound { byte ^= 0x80 }
                value = (value << 8) | UInt32(byte)
            }
            position += width
            return value
        }
        // Digits go straight into `out`; a "-" written for a negative zero (hostile input only) is taken back.
        let signIndex = out.count
        if negative { out.append(45) }
        var leading = true
        var allZero = true
        // A group's `width` digits (its low ones: a hostile group can hold more), leading zeros of the number left out.
        func emit(_ value: UInt32, width: Int) {
            let digits = value < powersOfTen[width] ? value : value % powersOfTen[width]
            if digits != 0 { allZero = false }
            var count = width
            if leading {
                if digits == 0 { return }
                count = 1
                while count < width && digits >= powersOfTen[count] { count += 1 }
                leading = false
            }
            out.appendDigits(digits, count: count)
        }
        let partialInteger = integerDigits % 9
        if partialInteger > 0 { emit(group(digitBytes[partialInteger]), width: partialInteger) }
        for _ in 0..<(integerDigits / 9) { emit(group(4), width: 9) }
        if leading { out.append(48) }
        if scale > 0 {
            out.append(46)
            leading = false
            for _ in 0..<(scale / 9) { emit(group(4), width: 9) }
            let partialFraction = scale % 9
            if partialFraction > 0 { emit(group(digitBytes[partialFraction]), width: partialFraction) }
        }
        if negative && allZero { out.remove(at: signIndex) }
        return out.count
    }

    /// 10^0 … 10^9.
    static let powersOfTen: [UInt32] = [
        1, 10, 100, 1000, 10000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
    ]

    /// Writes ASCII into a fixed buffer the caller sized with `maxTextLength`.
    struct TextCursor {
        let base: UnsafeMutablePointer<UInt8>
        var count = 0

        /// The low `digits` decimal digits of `value`, zero-padded, most significant first (from the last digit
        /// back: divisions by the constant 10 only). Beyond `maxTextLength` (hostile precision only) nothing more.
        @inline(__always)
        mutating func appendDigits(_ value: UInt32, count digits: Int) {
            guard count + digits <= DecimalFormat.maxTextLength else {
                var divisor = DecimalFormat.powersOfTen[digits - 1]
                for _ in 0..<digits {
                    append(48 + UInt8(truncatingIfNeeded: (value / divisor) % 10))
                    divisor /= 10
                }
                return
            }
            var remaining = value
            var index = count + digits - 1
            while index >= count {
                base[index] = 48 + UInt8(truncatingIfNeeded: remaining % 10)
                remaining /= 10
                index -= 1
            }
            count += digits
        }

        @inline(__always)
        mutating func append(_ byte: UInt8) {
            guard count < DecimalFormat.maxTextLength else { return }
            base[count] = byte
            count += 1
        }

        mutating func remove(at index: Int) {
            guard index < count else { return }
            (base + index).update(from: base + index + 1, count: count - index - 1)
            count -= 1
        }
    }
}
