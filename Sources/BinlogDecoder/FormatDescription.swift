/// FORMAT_DESCRIPTION_EVENT: describes how every later event of the file is laid out.
///
/// Body: `binlog_version` u16 · `server_version` char[50] (NUL-padded) · `create_timestamp` u32 ·
/// `header_length` u8 (19) · `post_header_lengths` u8[n] (one per event type, starting at type 1) · and, from
/// MySQL 5.6.1 / MariaDB 5.3 on, `checksum_alg` u8 followed by the event's own CRC32.
public struct FormatDescription: Sendable, Equatable {
    public enum ChecksumAlgorithm: UInt8, Sendable {
        case off = 0
        case crc32 = 1
        case undefined = 255
    }

    public var binlogVersion: UInt16
    public var serverVersion: String
    public var createTimestamp: UInt32
    public var headerLength: UInt8
    public var postHeaderLengths: [UInt8]
    public var checksum: ChecksumAlgorithm
    /// Development trees of MySQL 5.1/5.2 (`5.1.x-a_drop5…`, `5.2.x-a_drop6…`) numbered events differently; for
    /// their files this maps the written type code to today's (MySQL's `event_type_permutation`).
    public var eventTypePermutation: [UInt8]?

    /// The description a binlog v4 file is assumed to have before its first format description is read
    /// (MySQL 5.x defaults; the real one replaces it at once).
    public static let defaultV4 = FormatDescription(
        binlogVersion: 4, serverVersion: "", createTimestamp: 0, headerLength: 19,
        postHeaderLengths: [], checksum: .off)

    public init(
        binlogVersion: UInt16, serverVersion: String, createTimestamp: UInt32, headerLength: UInt8,
        postHeaderLengths: [UInt8], checksum: ChecksumAlgorithm
    ) {
        self.binlogVersion = binlogVersion
        self.serverVersion = serverVersion
        self.createTimestamp = createTimestamp
        self.headerLength = headerLength
        self.postHeaderLengths = postHeaderLengths
        self.checksum = checksum
    }

    /// True when the server is MariaDB (its version string says so).
    public var isMariaDB: Bool { serverVersion.contains("MariaDB") }

    /// The post-header length of `type` as this server writes it, or `fallback` when the table is too short.
    public func postHeaderLength(of type: EventType, fallback: Int) -> Int {
        let index = Int(type.rawValue) - 1
        guard index >= 0, index < postHeaderLengths.count else { return fallback }
        return Int(postHeaderLengths[index])
    }

    /// Parses the event's full bytes (header included).
    static func parse(event bytes: [UInt8]) throws(DecodeError) -> FormatDescription {
        var reader = ByteReader(bytes, range: EventHeader.size..<bytes.count)
        let binlogVersion = try reader.readUInt16LE("binlog_version")
        let versionRange = try reader.readRange(50, "server_version")
        var versionBytes = bytes[versionRange]
        if let nul = versionBytes.firstIndex(of: 0) { versionBytes = versionBytes[versionBytes.startIndex..<nul] }
        let serverVersion = String(decoding: versionBytes, as: UTF8.self)
        let createTimestamp = try reader.readUInt32LE("create_timestamp")
        let headerLength = try reader.readUInt8("header_length")
        if headerLength < 19 {
            throw DecodeError(.malformed, "header_length \(headerLength) is less than 19")
        }
        var tableLength = reader.remaining
        var checksum = ChecksumAlgorithm.off
        if Self.versionHasChecksum(serverVersion) {
            // checksum_alg byte + CRC32 close the event.
            guard tableLength >= 5 else {
                throw DecodeError(.malformed, "format description too short for its checksum fields")
            }
            tableLength -= 5
            let algorithm = bytes[reader.position + tableLength]
            guard let known = ChecksumAlgorithm(rawValue: algorithm) else {
                throw DecodeError(.malformed, "unknown binlog checksum algorithm \(algorithm)")
            }
            checksum = known
        }
        var postHeaderLengths = try reader.readArray(tableLength, "post_header_lengths")
        var permutation: [UInt8]?
        if Self.usesOldEventNumbering(serverVersion) && postHeaderLengths.count == 22 {
            // The post-header lengths are indexed by the old numbers too: permute them as MySQL does.
            var permuted = postHeaderLengths
            for index in 1..<Self.oldNumbering.count {
                permuted[Int(Self.oldNumbering[index]) - 1] = postHeaderLengths[index - 1]
            }
            postHeaderLengths = permuted
            permutation = Self.oldNumbering
        }
        var description = FormatDescription(
            binlogVersion: binlogVersion, serverVersion: serverVersion, createTimestamp: createTimestamp,
            headerLength: headerLength, postHeaderLengths: postHeaderLengths, checksum: checksum)
        description.eventTypePermutation = permutation
        return description
    }

    /// Today's type code of each type code the old development trees wrote (index = old code).
    static let oldNumbering: [UInt8] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 19, 20, 21, 22, 16, 17, 18,
    ]

    /// MySQL's test for those trees: versions matching `5.1.[1-5]-a_drop5*`, `5.1.4-a_drop6*`, `5.2.[0-2]-a_drop6*`.
    static func usesOldEventNumbering(_ version: String) -> Bool {
        let v = Array(version.utf8)
        guard v.count > 12, v[0] == 53, v[1] == 46, v[3] == 46, Array(v[5..<12]) == Array("-a_drop".utf8) else {
            return false
        }
        return (v[2] == 49 && v[4] >= 49 && v[4] <= 53 && v[12] == 53)
            || (v[2] == 49 && v[4] == 52 && v[12] == 54)
            || (v[2] == 50 && v[4] >= 48 && v[4] <= 50 && v[12] == 54)
    }

    /// Servers from MySQL 5.6.1 and MariaDB 5.3 on write the checksum algorithm into the format description.
    static func versionHasChecksum(_ version: String) -> Bool {
        var parts: [Int] = []
        var current = 0
        var digits = 0
        for byte in version.utf8 {
            if byte >= 48 && byte <= 57 {
                current = min(current * 10 + Int(byte - 48), 100_000)
                digits += 1
            } else {
                if digits > 0 { parts.append(current) }
                current = 0
                digits = 0
                if byte != 46 || parts.count >= 3 { break }
            }
        }
        if digits > 0 && parts.count < 3 { parts.append(current) }
        while parts.count < 3 { parts.append(0) }
        let triple = (parts[0], parts[1], parts[2])
        if version.contains("MariaDB") { return triple >= (5, 3, 0) }
        return triple >= (5, 6, 1)
    }
}
