/// Avro's `decimal` logical type stores the unscaled value as a two's-complement big-endian integer (as Java's
/// `BigInteger.toByteArray`: the fewest bytes that keep the sign).
enum TwosComplement {
    /// The unscaled integer of decimal text (`-12.50` → -1250): the digits without the point, then the sign.
    static func bytes(decimalText text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        // Magnitude as little-endian base-256 limbs; 65 digits need 28 bytes.
        var magnitude: [UInt8] = [0]
        magnitude.reserveCapacity(32)
        var negative = false
        for character in text {
            if character == 45 {
                negative = true
                continue
            }
            guard (48...57).contains(character) else { continue }
            var carry = UInt32(character - 48)
            for index in magnitude.indices {
                let product = UInt32(magnitude[index]) * 10 + carry
                magnitude[index] = UInt8(truncatingIfNeeded: product)
                carry = product >> 8
            }
            if carry > 0 { magnitude.append(UInt8(carry)) }
        }
        return encode(littleEndianMagnitude: magnitude, negative: negative)
    }

    /// An unsigned 64-bit value (BIGINT UNSIGNED as `decimal(20,0)`).
    static func bytes(_ value: UInt64) -> [UInt8] {
        var magnitude: [UInt8] = []
        var rest = value
        repeat {
            magnitude.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        } while rest > 0
        return encode(littleEndianMagnitude: magnitude, negative: false)
    }

    /// A signed 64-bit value.
    static func bytes(_ value: Int64) -> [UInt8] {
        let magnitude = bytes(value.magnitude)
        return value < 0 ? encode(littleEndianMagnitude: magnitude.reversed(), negative: true) : magnitude
    }

    private static func encode(littleEndianMagnitude magnitude: [UInt8], negative: Bool) -> [UInt8] {
        var limbs = magnitude
        while limbs.count > 1, limbs[limbs.count - 1] == 0 { limbs.removeLast() }
        if limbs.allSatisfy({ $0 == 0 }) { return [0] }
        if negative {
            // Two's complement over the same width: invert and add one.
            var carry: UInt16 = 1
            for index in limbs.indices {
                let sum = UInt16(~limbs[index]) + carry
                limbs[index] = UInt8(truncatingIfNeeded: sum)
                carry = sum >> 8
            }
            if limbs[limbs.count - 1] & 0x80 == 0 { limbs.append(0xFF) }
        } else if limbs[limbs.count - 1] & 0x80 != 0 {
            limbs.append(0)
        }
        return limbs.reversed()
    }
}
