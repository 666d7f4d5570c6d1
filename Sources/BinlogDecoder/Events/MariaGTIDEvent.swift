/// MariaDB's `GTID_EVENT` (`MARIA_GTID`, 162): opens every event group (transaction or DDL) of a MariaDB 10.0+
/// binlog in place of a `BEGIN` query, and gives its GTID (`Gtid_log_event` in `sql/log_event.cc`).
///
/// Body, little-endian: `seq_no` u64 · `domain_id` u32 · `flags2` u8, making up with what follows a post-header of
/// at least 19 bytes (`GTID_HEADER_LEN`). Then, when `flags2` has `FL_GROUP_COMMIT_ID`, `commit_id` u64; when it
/// has `FL_PREPARED_XA` or `FL_COMPLETED_XA` (an XA transaction), the XID: `formatID` u32 · `gtrid_length` u8 ·
/// `bqual_length` u8 · `gtrid_length + bqual_length` bytes (both read right after what comes before, as MariaDB's
/// reader does). Otherwise zero padding up to the 19 bytes. Newer servers may add `flags_extra` (and what it
/// announces) after these; it is not needed to follow the transaction and is not read. The server id of the GTID is
/// the one in the event header.
public struct MariaGTIDEvent: Sendable, Equatable {
    /// An XA transaction id (`XID`), from an event with `FL_PREPARED_XA` or `FL_COMPLETED_XA`.
    public struct XID: Sendable, Equatable {
        /// `formatID` (u32 on the wire; XA's signed format id).
        public var formatID: UInt32
        /// The global transaction id part (`gtrid`, at most 64 bytes).
        public var gtrid: [UInt8]
        /// The branch qualifier part (`bqual`, at most 64 bytes).
        public var bqual: [UInt8]

        public init(formatID: UInt32, gtrid: [UInt8], bqual: [UInt8]) {
            self.formatID = formatID
            self.gtrid = gtrid
            self.bqual = bqual
        }
    }

    /// `domain_id`-`server_id` (from the header)-`seq_no`.
    public var gtid: MariaGTID
    /// `flags2` (u8): the `FL_*` bits below.
    public var flags: UInt8
    /// `commit_id` (u64), present with `FL_GROUP_COMMIT_ID`: event groups with the same id were group-committed
    /// together on the primary (and may be applied in parallel).
    public var commitID: UInt64?
    /// The XA transaction id, present with `FL_PREPARED_XA` or `FL_COMPLETED_XA`.
    public var xid: XID?

    /// `FL_STANDALONE`: the group has no terminating COMMIT (no BEGIN either): a DDL or other non-transactional
    /// statement.
    public var isStandalone: Bool { flags & Self.standaloneFlag != 0 }

    /// `FL_STANDALONE`: no BEGIN / COMMIT around the group.
    public static let standaloneFlag: UInt8 = 0x01
    /// `FL_GROUP_COMMIT_ID`: `commit_id` follows.
    public static let groupCommitIDFlag: UInt8 = 0x02
    /// `FL_TRANSACTIONAL`: the group can be rolled back safely (only transactional engines).
    public static let transactionalFlag: UInt8 = 0x04
    /// `FL_ALLOW_PARALLEL`: the negation of `skip_parallel_replication` at commit.
    public static let allowParallelFlag: UInt8 = 0x08
    /// `FL_WAITED`: the transaction waited for a row lock on the primary.
    public static let waitedFlag: UInt8 = 0x10
    /// `FL_DDL`: the group is a DDL statement.
    public static let ddlFlag: UInt8 = 0x20
    /// `FL_PREPARED_XA`: the group is the prepared part of an XA transaction (`XA PREPARE`).
    public static let preparedXAFlag: UInt8 = 0x40
    /// `FL_COMPLETED_XA`: the group completes an XA transaction (`XA COMMIT` / `XA ROLLBACK`).
    public static let completedXAFlag: UInt8 = 0x80

    /// `GTID_HEADER_LEN`: the post-header every MariaDB GTID event has.
    static let postHeaderLength = 19
    /// `MAXGTRIDSIZE` and `MAXBQUALSIZE` of the XA specification.
    static let maxXIDPartLength = 64

    public init(gtid: MariaGTID, flags: UInt8, commitID: UInt64? = nil, xid: XID? = nil) {
        self.gtid = gtid
        self.flags = flags
        self.commitID = commitID
        self.xid = xid
    }

    /// Parses the body of a `MARIA_GTID` event (after the header, before the CRC32 if any); `serverID` is the
    /// header's `server_id`, the middle part of the GTID.
    public static func parse(_ bytes: [UInt8], body: Range<Int>, serverID: UInt32) throws(DecodeError)
        -> MariaGTIDEvent
    {
        var reader = ByteReader(bytes, range: body)
        // MariaDB treats an event shorter than its post-header as invalid.
        guard reader.remaining >= postHeaderLength else {
            throw DecodeError(
                .truncated,
                "MARIA_GTID body of \(reader.remaining) bytes is shorter than its \(postHeaderLength)-byte post-header")
        }
        let sequence = try reader.readUInt64LE("seq_no")
        let domain = try reader.readUInt32LE("domain_id")
        let flags = try reader.readUInt8("flags2")
        var event = MariaGTIDEvent(gtid: MariaGTID(domain: domain, server: serverID, sequence: sequence), flags: flags)
        if flags & groupCommitIDFlag != 0 {
            event.commitID = try reader.readUInt64LE("commit_id")
        }
        if flags & (preparedXAFlag | completedXAFlag) != 0 {
            let formatID = try reader.readUInt32LE("xid formatID")
            let gtridLength = Int(try reader.readUInt8("xid gtrid_length"))
            let bqualLength = Int(try reader.readUInt8("xid bqual_length"))
            guard gtridLength <= maxXIDPartLength, bqualLength <= maxXIDPartLength else {
                throw DecodeError(
                    .malformed,
                    "MARIA_GTID XID parts of \(gtridLength) and \(bqualLength) bytes (at most \(maxXIDPartLength) each)"
                )
            }
            let gtrid = try reader.readArray(gtridLength, "xid gtrid")
            let bqual = try reader.readArray(bqualLength, "xid bqual")
            event.xid = XID(formatID: formatID, gtrid: gtrid, bqual: bqual)
        }
        return event
    }
}
