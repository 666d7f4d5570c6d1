/// Avro's binary encoding (specification, "Binary Encoding") of the few shapes binlog-sink writes, appended to an
/// `OutputBuffer`, and the Confluent wire-format header in front of a datum.
///
/// Avro binary data carries no field names or types: a reader needs the writer's schema. `int` and `long` are the
/// same zigzag varint on the wire; `bytes` and `string` are a long length then the bytes; a union is the branch
/// index (a long) then the branch's value; a record is its fields back to back; an array is blocks of
/// count-then-items ended by a zero count.
public enum AvroBinaryWriter {
    /// Confluent's framing: magic byte 0, then the schema id as a 4-byte big-endian integer, then the datum.
    public static func appendConfluentHeader(schemaID: Int32, into out: inout OutputBuffer) {
        let id = UInt32(bitPattern: schemaID)
        out.reserve(5)
        out.append(0)
        out.append(UInt8(truncatingIfNeeded: id >> 24))
        out.append(UInt8(truncatingIfNeeded: id >> 16))
        out.append(UInt8(truncatingIfNeeded: id >> 8))
        out.append(UInt8(truncatingIfNeeded: id))
    }

    /// An Avro `long` (or `int`): zigzag, then base-128 little-endian groups, high bit set on all but the last.
    @inline(__always)
    public static func appendLong(_ value: Int64, into out: inout OutputBuffer) {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        out.reserve(10)
        while zigzag >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
            zigzag >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: zigzag))
    }

    /// A union's branch index.
    @inline(__always)
    public static func appendUnionIndex(_ index: Int, into out: inout OutputBuffer) {
        appendLong(Int64(index), into: &out)
    }

    /// An Avro `float`: IEEE 754 single precision, little-endian.
    public static func appendFloat(_ value: Float, into out: inout OutputBuffer) {
        let bits = value.bitPattern
        out.reserve(4)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }

    /// An Avro `double`: IEEE 754 double precision, little-endian.
    public static func appendDouble(_ value: Double, into out: inout OutputBuffer) {
        let bits = value.bitPattern
        out.reserve(8)
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    /// Avro `bytes` or `string` (the caller guarantees UTF-8 for a string): the length, then the bytes, then
    /// `padTo - count` zero bytes when `padTo` is larger (BINARY(n) as the server returns it).
    public static func appendBytes(_ bytes: UnsafeRawBufferPointer, padTo: Int = 0, into out: inout OutputBuffer) {
        let padding = max(0, padTo - bytes.count)
        appendLong(Int64(bytes.count + padding), into: &out)
        out.append(contentsOf: bytes)
        if padding > 0 {
            out.reserve(padding)
            for _ in 0..<padding { out.append(0) }
        }
    }

    /// Avro `bytes` or `string` from an array.
    public static func appendBytes(_ bytes: [UInt8], into out: inout OutputBuffer) {
        bytes.withUnsafeBytes { appendBytes($0, into: &out) }
    }

    /// Avro `string` from a Swift string.
    public static func appendString(_ text: String, into out: inout OutputBuffer) {
        var text = text
        text.withUTF8 { appendBytes(UnsafeRawBufferPointer($0), into: &out) }
    }
}
