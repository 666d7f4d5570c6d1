import BinlogDecoder
import Foundation
import Testing

/// MySQL GTID events of the real fixture binlogs. `mariadb-binlog` only prints "Ignorable event type 33 (MySQL Gtid)"
/// for them, so its text gives where the events are and what the transactions around them say (offsets, statement
/// timestamps); the values are checked against those, against other parts of the same file (transaction lengths
/// against event offsets, server versions against the format description) and against the expectations of
/// rust_mysql_common's tests (expected_values.json).
@Suite("MySQL GTID events", .enabled(if: GTIDFixtures.available))
struct MySQLGTIDEventTests {
    /// What a file's GTID events must show.
    struct Case: CustomStringConvertible {
        var file: String
        var type: EventType
        /// The server uuid of the GTIDs, as the event bytes 1...16 show in a hex dump (nil: anonymous).
        var uuid: String?
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(file: "binlog_transaction_with_GTID.000001", type: .gtid, uuid: "006c2cf2-b1ea-11e4-9057-8c705a3d3e78"),
        Case(file: "binlog_56_gtid_reserved_word.000001", type: .gtid, uuid: "11111111-1111-1111-1111-111111111111"),
        Case(file: "mysql-enum-string-set.000001", type: .gtid, uuid: "93e95066-a2f4-11ec-9b69-9657f0ae95e2"),
        Case(file: "binlog_transaction_with_anonymous_GTID.000001", type: .anonymousGTID, uuid: nil),
        Case(file: "bug27213339-bin.000001", type: .anonymousGTID, uuid: nil),
    ]

    @Test("GTID events match mariadb-binlog's offsets and the file's own facts", arguments: cases)
    func fixtureGTIDs(_ testCase: Case) throws {
        let binlog = try GTIDTestBinlog("mysql/" + testCase.file)
        let text = try GTIDTestDecoderText("mysql/" + testCase.file + ".mariadb-binlog.txt")
        let marker =
            testCase.type == .gtid
            ? "Ignorable event type 33 (MySQL Gtid)"
            : "Ignorable event type 34 (MySQL Anonymous_Gtid)"
        let events = binlog.events(of: testCase.type)
        #expect(events.map(\.offset) == text.offsets(containing: marker))
        #expect(!events.isEmpty)

        // The GTID set before the file is empty in all of these, so the server numbered its transactions 1, 2, ...
        let previous = try #require(binlog.events(of: .previousGTIDs).first)
        #expect(try GTIDSet.parsePreviousGTIDs(binlog.bytes, body: previous.body).entries.isEmpty)

        let version = GTIDTestBinlog.versionNumber(binlog.serverVersion)
        var parsed: [MySQLGTIDEvent] = []
        for event in events {
            parsed.append(try MySQLGTIDEvent.parse(binlog.bytes, body: event.body, type: testCase.type))
        }
        for (index, gtidEvent) in parsed.enumerated() {
            if let uuid = testCase.uuid {
                let gtid = try #require(gtidEvent.gtid)
                #expect(gtid.description == "\(uuid):\(index + 1)")
                #expect(gtid.tag == nil)
            } else {
                #expect(gtidEvent.gtid == nil)
            }
            if version >= 50705 {
                // The logical clock restarts at 1 in every binlog file.
                #expect(gtidEvent.sequenceNumber == Int64(index + 1))
                let lastCommitted = try #require(gtidEvent.lastCommitted)
                #expect(lastCommitted >= 0 && lastCommitted < Int64(index + 1))
            } else {
                #expect(gtidEvent.lastCommitted == nil && gtidEvent.sequenceNumber == nil)
            }
            if version < 80001 {
                #expect(gtidEvent.immediateCommitTimestamp == nil && gtidEvent.transactionLength == nil)
            }
        }
    }

    /// MySQL 8.0.28: transaction lengths, commit timestamps and server versions, checked against the file.
    @Test func transactionLengthsAndTimestamps() throws {
        let file = "mysql-enum-string-set.000001"
        let binlog = try GTIDTestBinlog("mysql/" + file)
        let text = try GTIDTestDecoderText("mysql/" + file + ".mariadb-binlog.txt")
        let events = binlog.events(of: .gtid)
        #expect(events.count == 5)
        // Where each transaction ends: at the next GTID event, the last one at the end of the file.
        let ends = events.dropFirst().map(\.offset) + [binlog.bytes.count]
        for (event, end) in zip(events, ends) {
            let gtidEvent = try MySQLGTIDEvent.parse(binlog.bytes, body: event.body, type: .gtid)
            #expect(gtidEvent.transactionLength == UInt64(end - event.offset))
            #expect(gtidEvent.immediateServerVersion == 80028)
            #expect(gtidEvent.originalServerVersion == 80028)
            // The transaction committed within seconds after its first statement's SET TIMESTAMP.
            let statement = try #require(text.offset(after: event.offset))
            let line = try #require(text.line(at: statement, containing: "SET TIMESTAMP="))
            let seconds = try #require(UInt64(line.dropFirst("SET TIMESTAMP=".count).prefix { $0.isNumber }))
            let committed = try #require(gtidEvent.immediateCommitTimestamp) / 1_000_000
            #expect(committed >= seconds && committed <= seconds + 5)
            #expect(gtidEvent.originalCommitTimestamp == gtidEvent.immediateCommitTimestamp)
        }
    }

    /// MySQL 9.6 `GTID_TAGGED_LOG_EVENT` (serialization framework).
    @Test func taggedGTID() throws {
        let file = "binlog_transaction_with_GTID_TAG.000001"
        let binlog = try GTIDTestBinlog("mysql/" + file)
        let expected = try GTIDFixtures.rustExpectations(file)
        let tagged = try #require(expected["gtid_tagged"] as? [String: Any])
        let uuid = try #require(tagged["uuid"] as? String)
        let tag = try #require(tagged["tag"] as? String)
        let gno = try #require(tagged["gno"] as? Int)

        let events = binlog.events(of: .gtidTagged)
        #expect(events.count == 1)
        let event = try #require(events.first)
        let gtidEvent = try MySQLGTIDEvent.parse(binlog.bytes, body: event.body, type: .gtidTagged)
        let gtid = try #require(gtidEvent.gtid)
        #expect(MySQLGTID.uuidString(gtid.uuid) == uuid)
        #expect(gtid.tag == tag)
        #expect(gtid.gno == Int64(gno))
        #expect(gtid.description == "\(uuid):\(tag):\(gno)")

        // The transaction (GTID, QUERY, TABLE_MAP, WRITE_ROWS, XID) ends where the ROTATE begins.
        let rotate = try #require(binlog.events(of: .rotate).first)
        #expect(gtidEvent.transactionLength == UInt64(rotate.offset - event.offset))
        // The server version the event records is the one of the format description (9.6.0).
        #expect(binlog.serverVersion == "9.6.0")
        #expect(gtidEvent.immediateServerVersion == 90600)
        #expect(gtidEvent.originalServerVersion == 90600)
        // The first transaction of the file; committed in the second its events are stamped with.
        #expect(gtidEvent.sequenceNumber == 1)
        #expect(gtidEvent.lastCommitted == 0)
        let committed = try #require(gtidEvent.immediateCommitTimestamp)
        #expect(committed / 1_000_000 == UInt64(event.header.timestamp))
        #expect(gtidEvent.originalCommitTimestamp == committed)
        #expect(gtidEvent.flags & MySQLGTIDEvent.mayHaveSBRFlag == 0)  // a row-based transaction
    }

    /// MySQL 8.0.32 `ANONYMOUS_GTID` in front of a compressed transaction: the length covers the payload event.
    @Test func anonymousGTIDBeforeTransactionPayload() throws {
        let binlog = try GTIDTestBinlog("mysql/transaction_compression.000001")
        let event = try #require(binlog.events(of: .anonymousGTID).first)
        let payload = try #require(binlog.events(of: .transactionPayload).first)
        let gtidEvent = try MySQLGTIDEvent.parse(binlog.bytes, body: event.body, type: .anonymousGTID)
        #expect(gtidEvent.gtid == nil)
        #expect(gtidEvent.transactionLength == UInt64(payload.offset + Int(payload.header.eventSize) - event.offset))
        #expect(gtidEvent.immediateServerVersion == 80032)
        #expect(gtidEvent.sequenceNumber == 1)
    }

    /// A transaction replicated from another server: both timestamps and both versions, in the fixed layout
    /// (flag bits 55 and 31) and in the serialization framework (fields 7 and 10), built as MySQL writes them.
    @Test func replicatedTransactionCarriesOriginalValues() throws {
        let uuid: [UInt8] = Array(0xa0...0xaf)
        let immediate: UInt64 = 1_700_000_000_123_456
        let original: UInt64 = 1_699_999_999_000_001
        var fixed: [UInt8] = [0x00] + uuid + gtidTestLE64(77) + [0x02] + gtidTestLE64(5) + gtidTestLE64(6)
        fixed += gtidTestLE(immediate | (1 << 55), 7) + gtidTestLE(original, 7)
        fixed += [0xfc, 0x2c, 0x01]  // transaction_length 300
        fixed += gtidTestLE(80040 | (1 << 31), 4) + gtidTestLE(50744, 4) + gtidTestLE64(12)  // + commit_group_ticket
        let fromFixed = try MySQLGTIDEvent.parse(fixed, body: 0..<fixed.count, type: .gtid)
        let expected = MySQLGTIDEvent(
            gtid: MySQLGTID(uuid: uuid, gno: 77), flags: 0, lastCommitted: 5, sequenceNumber: 6,
            immediateCommitTimestamp: immediate, originalCommitTimestamp: original, transactionLength: 300,
            immediateServerVersion: 80040, originalServerVersion: 50744)
        #expect(fromFixed == expected)

        var fields: [UInt8] = [0x00, 0x00] + [0x02] + uuid.flatMap { gtidTestVarlen(UInt64($0)) }
        fields += [0x04] + gtidTestVarlen(77 << 1) + [0x06] + gtidTestVarlen(4) + Array("tg_2".utf8)
        fields += [0x08] + gtidTestVarlen(5 << 1) + [0x0a] + gtidTestVarlen(6 << 1)
        fields += [0x0c] + gtidTestVarlen(immediate) + [0x0e] + gtidTestVarlen(original)
        fields += [0x10] + gtidTestVarlen(300) + [0x12] + gtidTestVarlen(80040) + [0x14] + gtidTestVarlen(50744)
        fields += [0x16] + gtidTestVarlen(12)
        // version 1, message_size (fits one byte here), last_non_ignorable_field_id 0.
        let message: [UInt8] = [0x02] + gtidTestVarlen(UInt64(fields.count + 3)) + [0x00] + fields
        #expect(message.count == fields.count + 3)
        let fromMessage = try MySQLGTIDEvent.parse(message, body: 0..<message.count, type: .gtidTagged)
        var tagged = expected
        tagged.gtid?.tag = "tg_2"
        #expect(fromMessage == tagged)
        #expect(fromMessage.gtid?.description == "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf:tg_2:77")
    }

    /// Values written with MySQL's `write_varlen_bytes_unsigned` algorithm read back the same.
    @Test func varlenRoundTrip() throws {
        var values: [UInt64] = [0, 1, 127, 128, 16383, 16384, 1 << 55, (1 << 56) - 1, 1 << 56, UInt64.max]
        for bits in 0..<64 { values.append((1 << UInt64(bits)) | 1) }
        for value in values {
            let encoded = gtidTestVarlen(value)
            var reader = ByteReader(encoded)
            #expect(try MySQLVarlen.readUnsigned(&reader) == value)
            #expect(reader.isAtEnd)
        }
    }

    @Test func rejectsOtherEventTypes() {
        #expect(throws: DecodeError.self) {
            try MySQLGTIDEvent.parse([UInt8](repeating: 0, count: 64), body: 0..<64, type: .query)
        }
    }
}

/// `count` little-endian bytes of `value`.
func gtidTestLE(_ value: UInt64, _ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
}

/// MySQL's `write_varlen_bytes_unsigned` (libs/mysql/serialization/variable_length_integers.h), for building test
/// messages.
func gtidTestVarlen(_ value: UInt64) -> [UInt8] {
    let bitWidth = 64 - value.leadingZeroBitCount
    let count = ((bitWidth * 575) >> 12) + 1
    var bytes = [UInt8(truncatingIfNeeded: ((1 << UInt64(count - 1)) - 1) | (value << UInt64(count)))]
    if count == 1 { return bytes }
    let rest = value >> UInt64(8 - count + ((count + 7) >> 4))
    bytes += gtidTestLE(rest, count - 1)
    return bytes
}
