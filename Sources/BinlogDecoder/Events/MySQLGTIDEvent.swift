/// MySQL's `Gtid_log_event`: `GTID_LOG_EVENT` (33), `ANONYMOUS_GTID_LOG_EVENT` (34) and, from MySQL 8.4,
/// `GTID_TAGGED_LOG_EVENT` (42). It opens every transaction of a MySQL 5.6+ binlog and says which GTID the
/// transaction has (none, for anonymous ones), where it sits in the logical clock used by parallel replication,
/// when it committed and how long it is.
///
/// Two wire formats (`libs/mysql/binlog/event/control_events.cpp`, `Gtid_event::Gtid_event`):
///
/// - Types 33 and 34, fixed offsets, little-endian: `flags` u8 · `sid` 16 bytes · `gno` i64 · then, when more
///   bytes follow (5.7.5+): `lt_type` u8 (must be 2, older layouts are ignored as MySQL does) · `last_committed`
///   i64 · `sequence_number` i64 · then (8.0.1+) `immediate_commit_timestamp` 7 bytes (bit 55 set: an
///   `original_commit_timestamp` of 7 bytes follows) · `transaction_length` length-encoded integer ·
///   `immediate_server_version` u32 (bit 31 set: an `original_server_version` u32 follows) · `commit_group_ticket`
///   u64 (not kept).
/// - Type 42, MySQL's serialization framework (`libs/mysql/serialization`): a message
///   `format_version(1) · message_size · last_non_ignorable_field_id · {field_id field_data}*` of variable-length
///   integers (`MySQLVarlen`), fields 0 `gtid_flags`, 1 `sid` (16 varlen bytes), 2 `gno` (signed), 3 `tag` (string),
///   4 `last_committed` (signed), 5 `sequence_number` (signed), 6 `immediate_commit_timestamp`,
///   7 `original_commit_timestamp`, 8 `transaction_length`, 9 `immediate_server_version`,
///   10 `original_server_version`, 11 `commit_group_ticket`. Fields come in increasing id order and any may be left
///   out; fields after the last one known here are skipped with the message size, as MySQL's own decoder does.
public struct MySQLGTIDEvent: Sendable, Equatable {
    /// `sid` + `tag` + `gno`: the transaction's GTID; nil for `ANONYMOUS_GTID_LOG_EVENT` (GTID mode off).
    public var gtid: MySQLGTID?
    /// `gtid_flags` (u8): bit 0 `FLAG_MAY_HAVE_SBR`, set when the transaction may hold statement-based events.
    public var flags: UInt8
    /// `last_committed` (i64): the `sequence_number` of the transaction this one waits for in parallel replication;
    /// nil for 5.6 and 5.7.4-or-earlier events, which do not carry the logical clock.
    public var lastCommitted: Int64?
    /// `sequence_number` (i64): this transaction's logical timestamp, counted from 1 in each binlog file.
    public var sequenceNumber: Int64?
    /// `immediate_commit_timestamp` (microseconds since the epoch): when the transaction committed on the server
    /// that wrote this binlog; nil before MySQL 8.0.1.
    public var immediateCommitTimestamp: UInt64?
    /// `original_commit_timestamp` (microseconds since the epoch): when it committed on the server where it was
    /// first executed; the immediate one when the event does not carry it separately (the transaction originated
    /// here).
    public var originalCommitTimestamp: UInt64?
    /// `transaction_length`: the bytes of the whole transaction, this event included (so the offset of this event
    /// plus this length is the offset of the next transaction); nil before MySQL 8.0.2.
    public var transactionLength: UInt64?
    /// `immediate_server_version` (u32, e.g. 80028 for 8.0.28): the version of the server that wrote this binlog.
    public var immediateServerVersion: UInt32?
    /// `original_server_version` (u32): the version of the server where the transaction was first executed.
    public var originalServerVersion: UInt32?

    /// `FLAG_MAY_HAVE_SBR`: the transaction may contain statement-based events.
    public static let mayHaveSBRFlag: UInt8 = 0x01

    public init(
        gtid: MySQLGTID?, flags: UInt8, lastCommitted: Int64? = nil, sequenceNumber: Int64? = nil,
        immediateCommitTimestamp: UInt64? = nil, originalCommitTimestamp: UInt64? = nil,
        transactionLength: UInt64? = nil, immediateServerVersion: UInt32? = nil,
        originalServerVersion: UInt32? = nil
    ) {
        self.gtid = gtid
        self.flags = flags
        self.lastCommitted = lastCommitted
        self.sequenceNumber = sequenceNumber
        self.immediateCommitTimestamp = immediateCommitTimestamp
        self.originalCommitTimestamp = originalCommitTimestamp
        self.transactionLength = transactionLength
        self.immediateServerVersion = immediateServerVersion
        self.originalServerVersion = originalServerVersion
    }

    /// Parses the body (`body`: after the 19-byte header, before the CRC32 if any) of a type 33, 34 or 42 event.
    public static func parse(_ bytes: [UInt8], body: Range<Int>, type: EventType) throws(DecodeError)
        -> MySQLGTIDEvent
    {
        switch type {
        case .gtid:
            return try parseFixedLayout(bytes, body: body, anonymous: false)
        case .anonymousGTID:
            return try parseFixedLayout(bytes, body: body, anonymous: true)
        case .gtidTagged:
            return try parseSerialized(bytes, body: body)
        default:
            throw DecodeError(.malformed, "\(type.name) is not a GTID event")
        }
    }

    // MARK: - GTID_LOG_EVENT and ANONYMOUS_GTID_LOG_EVENT

    /// `LOGICAL_TIMESTAMP_TYPECODE`: the `lt_type` byte that announces `last_committed` and `sequence_number`.
    static let logicalTimestampTypecode: UInt8 = 2
    /// Bit 55 of the 7-byte `immediate_commit_timestamp`: an `original_commit_timestamp` follows.
    static let originalCommitTimestampBit: UInt64 = 1 << 55
    /// Bit 31 of `immediate_server_version`: an `original_server_version` follows.
    static let originalServerVersionBit: UInt32 = 1 << 31

    static func parseFixedLayout(_ bytes: [UInt8], body: Range<Int>, anonymous: Bool) throws(DecodeError)
        -> MySQLGTIDEvent
    {
        var reader = ByteReader(bytes, range: body)
        let flags = try reader.readUInt8("gtid_flags")
        let uuid = try reader.readArray(16, "sid")
        let gno = Int64(bitPattern: try reader.readUInt64LE("gno"))
        // The same GNO checks as MySQL: an anonymous transaction has gno 0, a real one 1 ..< GNO_END (INT64_MAX).
        if anonymous {
            guard gno == 0 else {
                throw DecodeError(.malformed, "ANONYMOUS_GTID event with gno \(gno) (must be 0)")
            }
        } else {
            try checkGNO(gno)
        }
        var event = MySQLGTIDEvent(gtid: anonymous ? nil : MySQLGTID(uuid: uuid, gno: gno), flags: flags)

        // MySQL 5.6 stops here.
        guard let typecode = reader.peekUInt8() else { return event }
        try reader.skip(1, "lt_type")
        // 5.7.4 and earlier wrote another typecode and shorter clock fields: MySQL accepts and ignores them.
        guard typecode == logicalTimestampTypecode else { return event }
        event.lastCommitted = Int64(bitPattern: try reader.readUInt64LE("last_committed"))
        event.sequenceNumber = Int64(bitPattern: try reader.readUInt64LE("sequence_number"))

        // MySQL 8.0.1+: commit timestamps, then the transaction length, then the server versions.
        guard reader.remaining >= 7 else { return event }
        var immediate = try reader.readLE(7, "immediate_commit_timestamp")
        if immediate & originalCommitTimestampBit != 0 {
            immediate &= ~originalCommitTimestampBit
            event.originalCommitTimestamp = try reader.readLE(7, "original_commit_timestamp")
        } else {
            event.originalCommitTimestamp = immediate
        }
        event.immediateCommitTimestamp = immediate

        guard !reader.isAtEnd else { return event }
        event.transactionLength = try reader.readPackedInt("transaction_length")

        guard reader.remaining >= 4 else { return event }
        var immediateVersion = try reader.readUInt32LE("immediate_server_version")
        if immediateVersion & originalServerVersionBit != 0 {
            immediateVersion &= ~originalServerVersionBit
            event.originalServerVersion = try reader.readUInt32LE("original_server_version")
        } else {
            event.originalServerVersion = immediateVersion
        }
        event.immediateServerVersion = immediateVersion
        // `commit_group_ticket` (u64) may follow; it only matters to the server's group commit.
        return event
    }

    /// MySQL's GNO range for a real GTID: `MIN_GNO` (1) ..< `GNO_END` (INT64_MAX).
    static func checkGNO(_ gno: Int64) throws(DecodeError) {
        guard gno >= 1, gno < Int64.max else {
            throw DecodeError(.malformed, "GTID event with gno \(gno) outside 1..<\(Int64.max)")
        }
    }

    // MARK: - GTID_TAGGED_LOG_EVENT

    /// The `serialization_format_version` MySQL writes (and its decoder requires) as the message's own field id.
    static let serializationFormatVersion: UInt64 = 1
    /// The highest field id of the tagged event known here (`commit_group_ticket`).
    static let lastKnownFieldID: UInt64 = 11

    static func parseSerialized(_ bytes: [UInt8], body: Range<Int>) throws(DecodeError) -> MySQLGTIDEvent {
        var reader = ByteReader(bytes, range: body)
        let messageStart = reader.position
        let available = reader.remaining
        let version = try MySQLVarlen.readUnsigned(&reader, "serialization_format_version")
        guard version == serializationFormatVersion else {
            throw DecodeError(.malformed, "GTID_TAGGED event in serialization format \(version), only 1 is known")
        }
        // `message_size` counts the whole message from its first byte (the format version) on.
        let messageSize = try MySQLVarlen.readUnsigned(&reader, "message_size")
        let lastNonIgnorable = try MySQLVarlen.readUnsigned(&reader, "last_non_ignorable_field_id")
        let envelope = reader.position - messageStart
        guard messageSize >= UInt64(envelope), messageSize <= UInt64(available) else {
            throw DecodeError(
                .malformed,
                "GTID_TAGGED message_size \(messageSize) outside \(envelope)...\(available) (the event body)")
        }
        // `last_non_ignorable_field_id` is one past the last field the reader must understand (MySQL's decoder
        // refuses the event when that is beyond the fields it knows).
        guard lastNonIgnorable <= lastKnownFieldID + 1 else {
            throw DecodeError(
                .malformed,
                "GTID_TAGGED event has non-ignorable fields up to id \(lastNonIgnorable - 1), unknown here")
        }
        var fields = ByteReader(bytes, range: reader.position..<(messageStart + Int(messageSize)))

        var flags = mayHaveSBRFlag  // MySQL's value when the field is left out
        if nextField(&fields, is: 0) {
            flags = UInt8(try MySQLVarlen.readUnsigned(&fields, max: UInt64(UInt8.max), "gtid_flags"))
        }
        var uuid: [UInt8]?
        if nextField(&fields, is: 1) {
            // A fixed array of 16 `unsigned char`, each one a variable-length integer.
            var sid: [UInt8] = []
            sid.reserveCapacity(16)
            for _ in 0..<16 {
                sid.append(UInt8(try MySQLVarlen.readUnsigned(&fields, max: UInt64(UInt8.max), "sid byte")))
            }
            uuid = sid
        }
        var gno: Int64?
        if nextField(&fields, is: 2) {
            gno = try MySQLVarlen.readSigned(&fields, "gno")
        }
        var tag: String?
        if nextField(&fields, is: 3) {
            // A string bounded by `tag_max_length`: varlen length, then the characters.
            let length = try MySQLVarlen.readUnsigned(&fields, max: UInt64(MySQLGTID.maxTagLength), "tag length")
            let range = try fields.readRange(Int(length), "tag")
            tag = try MySQLGTID.validatedTag(bytes[range])
        }
        var event = MySQLGTIDEvent(gtid: nil, flags: flags)
        if nextField(&fields, is: 4) {
            event.lastCommitted = try MySQLVarlen.readSigned(&fields, "last_committed")
        }
        if nextField(&fields, is: 5) {
            event.sequenceNumber = try MySQLVarlen.readSigned(&fields, "sequence_number")
        }
        if nextField(&fields, is: 6) {
            event.immediateCommitTimestamp = try MySQLVarlen.readUnsigned(&fields, "immediate_commit_timestamp")
        }
        if nextField(&fields, is: 7) {
            event.originalCommitTimestamp = try MySQLVarlen.readUnsigned(&fields, "original_commit_timestamp")
        }
        if nextField(&fields, is: 8) {
            event.transactionLength = try MySQLVarlen.readUnsigned(&fields, "transaction_length")
        }
        if nextField(&fields, is: 9) {
            event.immediateServerVersion = UInt32(
                try MySQLVarlen.readUnsigned(&fields, max: UInt64(UInt32.max), "immediate_server_version"))
        }
        if nextField(&fields, is: 10) {
            event.originalServerVersion = UInt32(
                try MySQLVarlen.readUnsigned(&fields, max: UInt64(UInt32.max), "original_server_version"))
        }
        if nextField(&fields, is: 11) {
            _ = try MySQLVarlen.readUnsigned(&fields, "commit_group_ticket")
        }
        // Whatever is left in `fields` belongs to fields added after MySQL 9.x: ignorable (checked above), and
        // skipped because the message ends at `message_size`.

        // The writer leaves the original values out when they equal the immediate ones.
        if event.originalCommitTimestamp == nil { event.originalCommitTimestamp = event.immediateCommitTimestamp }
        if event.originalServerVersion == nil { event.originalServerVersion = event.immediateServerVersion }

        guard let uuid, let gno else {
            throw DecodeError(.malformed, "GTID_TAGGED event without its sid or gno field")
        }
        try checkGNO(gno)
        event.gtid = MySQLGTID(uuid: uuid, tag: tag, gno: gno)
        return event
    }

    /// True (and the field id consumed) when the next field of the message has id `id`. Like MySQL's decoder, a
    /// field whose id is not the expected one, or the end of the message, means "field left out".
    static func nextField(_ reader: inout ByteReader, is id: UInt64) -> Bool {
        var probe = reader
        guard let found = try? MySQLVarlen.readUnsigned(&probe, "field id"), found == id else { return false }
        reader = probe
        return true
    }
}
