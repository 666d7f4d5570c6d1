/// The variable-length integers of MySQL's serialization framework (`libs/mysql/serialization`,
/// `variable_length_integers.h`), used by the MySQL 8.4+ `GTID_TAGGED_LOG_EVENT` and by the tags of a tagged GTID set.
///
/// Not the same as the protocol's length-encoded integer (`ByteReader.readPackedInt`): here the number of trailing
/// one bits of the first byte, plus one, is the total length (1...9 bytes), and the value is stored little-endian in
/// the bits after the terminating zero bit:
///
/// - `xxxxxxx0`: 1 byte, value = first >> 1 (7 bits);
/// - `xxxxxx01 b1`: 2 bytes, value = first >> 2 | b1 << 6 (14 bits);
/// - ... `01111111 b1..b7`: 8 bytes, value = b1..b7 (56 bits);
/// - `11111111 b1..b8`: 9 bytes, value = b1..b8 (the full 64 bits).
///
/// Signed values use zig-zag: the lowest bit is the sign, `x >= 0` is stored as `x << 1`, `x < 0` as
/// `(-(x + 1)) << 1 | 1`.
public enum MySQLVarlen {
    /// The total length (1...9) a first byte announces: its trailing one bits plus one.
    @inlinable
    public static func encodedLength(firstByte: UInt8) -> Int {
        (~firstByte).trailingZeroBitCount + 1
    }

    /// Reads an unsigned variable-length integer. Throws `truncated` (without moving the cursor) when the bytes the
    /// first byte announces are not all there.
    public static func readUnsigned(_ reader: inout ByteReader, _ what: StaticString = "varlen integer")
        throws(DecodeError) -> UInt64
    {
        guard let first = reader.peekUInt8() else {
            throw DecodeError(.truncated, "\(what): needs 1 byte, 0 left")
        }
        let length = encodedLength(firstByte: first)
        guard length <= reader.remaining else {
            throw DecodeError(.truncated, "\(what): its first byte announces \(length) bytes, \(reader.remaining) left")
        }
        try reader.skip(1, what)
        if length == 1 {
            return UInt64(first >> 1)
        }
        // The bytes after the first one, little-endian; for 9 bytes they are the whole 64-bit value.
        let rest = try reader.readLE(length - 1, what)
        if length == 9 {
            return rest
        }
        // The first byte keeps 8 - length value bits above its length marker; the rest follows them.
        let low = UInt64(first) >> UInt64(length)
        return low | (rest << UInt64(8 - length))
    }

    /// Reads an unsigned variable-length integer that must fit in `limit` (MySQL's decoder rejects a value wider than
    /// the field's C type, e.g. 255 for a `uint8` field).
    public static func readUnsigned(_ reader: inout ByteReader, max limit: UInt64, _ what: StaticString)
        throws(DecodeError) -> UInt64
    {
        let value = try readUnsigned(&reader, what)
        if value > limit {
            throw DecodeError(.malformed, "\(what): \(value) does not fit its field (at most \(limit))")
        }
        return value
    }

    /// Reads a zig-zag signed variable-length integer.
    public static func readSigned(_ reader: inout ByteReader, _ what: StaticString = "varlen integer")
        throws(DecodeError) -> Int64
    {
        let encoded = try readUnsigned(&reader, what)
        // The low bit is the sign: 0 keeps the magnitude, 1 gives -(magnitude + 1) (the bitwise not).
        let magnitude = encoded >> 1
        let signMask = 0 &- (encoded & 1)
        return Int64(bitPattern: magnitude ^ signMask)
    }
}
