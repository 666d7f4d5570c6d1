/// MariaDB's `GTID_LIST_EVENT` (`MARIA_GTID_LIST`, 163): written near the start of every binlog file, it lists the
/// last GTID of each replication domain written before the file began (`Gtid_list_log_event` in
/// `sql/log_event.cc`).
///
/// Body, little-endian: `count` u32, whose low 28 bits are the number of GTIDs and high 4 bits the list's flags
/// (`FLAG_UNTIL_REACHED` = 1, `FLAG_IGN_GTIDS` = 2 after the shift), then per GTID `domain_id` u32 · `server_id`
/// u32 · `seq_no` u64.
public struct MariaGTIDList: Sendable, Equatable {
    /// The GTIDs, one per domain, in the order of the event.
    public var gtids: [MariaGTID]
    /// The high 4 bits of `count`, shifted down (`gl_flags >> 28`).
    public var flags: UInt8

    /// The bytes of one listed GTID (`element_size`).
    static let elementSize = 16

    public init(gtids: [MariaGTID], flags: UInt8) {
        self.gtids = gtids
        self.flags = flags
    }

    /// Parses the body of a `MARIA_GTID_LIST` event (after the header, before the CRC32 if any).
    public static func parse(_ bytes: [UInt8], body: Range<Int>) throws(DecodeError) -> MariaGTIDList {
        var reader = ByteReader(bytes, range: body)
        let countField = try reader.readUInt32LE("count")
        let count = Int(countField & 0x0fff_ffff)
        let flags = UInt8(truncatingIfNeeded: countField >> 28)
        // The same check as MariaDB: the whole list must be in the event before anything is allocated for it.
        guard count <= reader.remaining / elementSize else {
            throw DecodeError(
                .malformed,
                "GTID list of \(count) GTIDs cannot fit in the \(reader.remaining) bytes left")
        }
        var gtids: [MariaGTID] = []
        gtids.reserveCapacity(count)
        for _ in 0..<count {
            let domain = try reader.readUInt32LE("domain_id")
            let server = try reader.readUInt32LE("server_id")
            let sequence = try reader.readUInt64LE("seq_no")
            gtids.append(MariaGTID(domain: domain, server: server, sequence: sequence))
        }
        return MariaGTIDList(gtids: gtids, flags: flags)
    }
}
