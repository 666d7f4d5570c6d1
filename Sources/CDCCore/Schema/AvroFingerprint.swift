/// CRC-64-AVRO, the Rabin fingerprint the Avro specification defines for schema fingerprints
/// ("Schema Fingerprints": polynomial 0xc15d213aa4d7a795 as the empty value, reflected, table-driven).
public enum AvroFingerprint {
    static let empty: UInt64 = 0xc15d_213a_a4d7_a795

    static let table: [UInt64] = (0..<256).map { index in
        var fingerprint = UInt64(index)
        for _ in 0..<8 {
            fingerprint = (fingerprint >> 1) ^ (empty & (0 &- (fingerprint & 1)))
        }
        return fingerprint
    }

    /// The 64-bit fingerprint of `bytes` (the UTF-8 of a schema's Parsing Canonical Form).
    public static func crc64(_ bytes: [UInt8]) -> UInt64 {
        var fingerprint = empty
        for byte in bytes {
            fingerprint = (fingerprint >> 8) ^ table[Int((fingerprint ^ UInt64(byte)) & 0xff)]
        }
        return fingerprint
    }
}
