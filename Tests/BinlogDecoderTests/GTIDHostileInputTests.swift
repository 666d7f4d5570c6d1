import BinlogDecoder
import Foundation
import Testing

/// The serialization framework's integers and what the GTID parsers do with broken or hostile bytes.
@Suite("GTID parsers on hostile input")
struct GTIDHostileInputTests {
    static func varlen(_ bytes: [UInt8]) throws(DecodeError) -> (value: UInt64, used: Int) {
        var reader = ByteReader(bytes)
        let value = try MySQLVarlen.readUnsigned(&reader)
        return (value, reader.position)
    }

    static func signed(_ bytes: [UInt8]) throws(DecodeError) -> Int64 {
        var reader = ByteReader(bytes)
        return try MySQLVarlen.readSigned(&reader)
    }

    /// The examples of MySQL's `libs/mysql/serialization/readme.md` (written there big-endian, bytes reversed here).
    @Test func varlenExamplesOfTheSpecification() throws {
        #expect(try Self.varlen([0xfb, 0xff, 0x07]) == (65535, 3))
        #expect(try Self.signed([0xf3, 0xff, 0x0f]) == 65535)
        #expect(try Self.signed([0xeb, 0xff, 0x0f]) == -65535)
        #expect(try Self.signed([0xfb, 0xff, 0x0f]) == -65536)
        #expect(try Self.varlen([0x00]) == (0, 1))
        #expect(try Self.varlen([0xfe]) == (127, 1))
        // 8 bytes hold 56 bits; 9 bytes (first byte 0xff) the full 64.
        #expect(try Self.varlen([0x7f, 1, 2, 3, 4, 5, 6, 7]) == (0x07_0605_0403_0201, 8))
        #expect(try Self.varlen([0xff] + [UInt8](repeating: 0xff, count: 8)) == (UInt64.max, 9))
        #expect(try Self.signed([0xff] + [UInt8](repeating: 0xff, count: 8)) == Int64.min)
        #expect(try Self.signed([0xff, 0xfe] + [UInt8](repeating: 0xff, count: 7)) == Int64.max)
    }

    @Test func varlenClaimingMoreBytesThanThereAre() {
        // 0xff announces 9 bytes; 0x7f 8; 0x03 3.
        for bytes: [UInt8] in [[0xff], [0xff, 1, 2, 3], [0xff, 1, 2, 3, 4, 5, 6, 7], [0x7f, 1], [0x03, 1], []] {
            var reader = ByteReader(bytes)
            #expect(throws: DecodeError.self) { try MySQLVarlen.readUnsigned(&reader) }
            #expect(reader.position == 0)  // a failed read does not move the cursor
        }
        var narrow = ByteReader([0xf9, 0x07])  // 510: too wide for a one-byte field
        #expect(throws: DecodeError.self) { try MySQLVarlen.readUnsigned(&narrow, max: 255, "byte") }
    }

    // MARK: - PREVIOUS_GTIDS

    @Test func hugeCountsWithTinyBodies() {
        func rejects(_ body: [UInt8]) {
            #expect(throws: DecodeError.self) { try GTIDSet.parsePreviousGTIDs(body, body: 0..<body.count) }
        }
        // n_sids = 2^56 - 1 (untagged) and 2^48 - 1 (tagged), with room for one entry at most.
        rejects([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00] + [UInt8](repeating: 0, count: 24))
        rejects([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01] + [UInt8](repeating: 0, count: 25))
        // One sid whose n_intervals is 2^64 - 1, or just one too many.
        let uuid = [UInt8](repeating: 0x42, count: 16)
        rejects(gtidTestLE64(1) + uuid + [UInt8](repeating: 0xff, count: 8) + gtidTestLE64(1) + gtidTestLE64(2))
        rejects(gtidTestLE64(1) + uuid + gtidTestLE64(2) + gtidTestLE64(1) + gtidTestLE64(2))
        // An unknown format byte.
        rejects([0, 0, 0, 0, 0, 0, 0, 0x02])
        // Intervals that are empty, start at 0, overlap or touch, and trailing bytes after the set.
        rejects(gtidTestLE64(1) + uuid + gtidTestLE64(1) + gtidTestLE64(5) + gtidTestLE64(5))
        rejects(gtidTestLE64(1) + uuid + gtidTestLE64(1) + gtidTestLE64(0) + gtidTestLE64(5))
        rejects(
            gtidTestLE64(1) + uuid + gtidTestLE64(2) + gtidTestLE64(1) + gtidTestLE64(5)
                + gtidTestLE64(5) + gtidTestLE64(9))
        rejects(gtidTestLE64(1) + uuid + gtidTestLE64(1) + gtidTestLE64(1) + gtidTestLE64(5) + [0])
        // A tag that is too long or has a character MySQL does not allow.
        rejects(
            [0x01, 0x01, 0, 0, 0, 0, 0, 0x01] + uuid + [66] + [UInt8](repeating: 0x61, count: 33)
                + gtidTestLE64(1) + gtidTestLE64(1) + gtidTestLE64(2))
        rejects(
            [0x01, 0x01, 0, 0, 0, 0, 0, 0x01] + uuid + [4] + Array("a-".utf8)
                + gtidTestLE64(1) + gtidTestLE64(1) + gtidTestLE64(2))
        rejects(
            [0x01, 0x01, 0, 0, 0, 0, 0, 0x01] + uuid + [2] + Array("1".utf8)
                + gtidTestLE64(1) + gtidTestLE64(1) + gtidTestLE64(2))
        // The tag's varlen length claiming 9 bytes.
        rejects([0x01, 0x01, 0, 0, 0, 0, 0, 0x01] + uuid + [0xff, 1, 2])
    }

    /// Every strict prefix of the real events' bodies is refused (or, for the fixed-layout GTID event whose tail
    /// is optional, parsed or refused), never a trap.
    @Test(.enabled(if: GTIDFixtures.available)) func truncatedRealBodies() throws {
        let files = [
            "binlog_transaction_with_GTID_TAG.000001", "binlog_transaction_previous_GTID_no_tag.000001",
            "mysql-enum-string-set.000001", "transaction_compression.000001", "mariadb-bin.000001",
        ]
        var checked = 0
        for file in files {
            let binlog = try GTIDTestBinlog("mysql/" + file)
            for event in binlog.events {
                let body = event.body
                for cut in body.lowerBound..<body.upperBound {
                    let prefix = body.lowerBound..<cut
                    switch event.header.type {
                    case .previousGTIDs:
                        #expect(throws: DecodeError.self) { try GTIDSet.parsePreviousGTIDs(binlog.bytes, body: prefix) }
                    case .gtidTagged:
                        #expect(throws: DecodeError.self) {
                            try MySQLGTIDEvent.parse(binlog.bytes, body: prefix, type: .gtidTagged)
                        }
                    case .gtid, .anonymousGTID:
                        if prefix.count < 25 {
                            #expect(throws: DecodeError.self) {
                                try MySQLGTIDEvent.parse(binlog.bytes, body: prefix, type: event.header.type)
                            }
                        } else {
                            _ = try? MySQLGTIDEvent.parse(binlog.bytes, body: prefix, type: event.header.type)
                        }
                    case .transactionPayload:
                        #expect(throws: DecodeError.self) {
                            try TransactionPayloadHeader.parse(binlog.bytes, body: prefix)
                        }
                    case .mariaGTID:
                        if prefix.count < 19 {
                            #expect(throws: DecodeError.self) {
                                try MariaGTIDEvent.parse(binlog.bytes, body: prefix, serverID: 1)
                            }
                        }
                    case .mariaGTIDList:
                        // MariaDB may pad the event after its list: only a cut inside the list must be refused.
                        let full = try MariaGTIDList.parse(binlog.bytes, body: body)
                        if prefix.count < 4 + 16 * full.gtids.count {
                            #expect(throws: DecodeError.self) { try MariaGTIDList.parse(binlog.bytes, body: prefix) }
                        }
                    default:
                        continue
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 400)
    }

    // MARK: - GTID_TAGGED_LOG_EVENT

    /// The real tagged body of binlog_transaction_with_GTID_TAG.000001, without its CRC32.
    static func realTaggedBody() throws -> [UInt8] {
        let binlog = try GTIDTestBinlog("mysql/binlog_transaction_with_GTID_TAG.000001")
        let event = try #require(binlog.events(of: .gtidTagged).first)
        return Array(binlog.bytes[event.body])
    }

    /// A message with `size` rewritten (one varlen byte here: the real message is 60 bytes).
    static func withMessageSize(_ body: [UInt8], _ size: Int) -> [UInt8] {
        var copy = body
        copy[1] = UInt8(size << 1)
        return copy
    }

    @Test(.enabled(if: GTIDFixtures.available)) func unknownTrailingFieldsAreSkipped() throws {
        let body = try Self.realTaggedBody()
        #expect(body.count == 60 && body[0] == 0x02 && body[1] == 0x78)  // version 1, message_size 60
        let original = try MySQLGTIDEvent.parse(body, body: 0..<body.count, type: .gtidTagged)
        // A field 12 (unknown here, ignorable: last_non_ignorable_field_id is 0) with a 2-byte value and a field 13
        // whose value is a 9-byte varlen: skipped with the message size. Trailing bytes after the message too.
        let extra: [UInt8] = [0x18, 0x01, 0x00] + [0x1a, 0xff, 1, 2, 3, 4, 5, 6, 7, 8]
        let grown = Self.withMessageSize(body + extra, body.count + extra.count) + [0, 0, 0]
        #expect(try MySQLGTIDEvent.parse(grown, body: 0..<grown.count, type: .gtidTagged) == original)

        // Declared non-ignorable up to field 13: refused.
        var strict = grown
        strict[2] = 14 << 1
        #expect(throws: DecodeError.self) {
            try MySQLGTIDEvent.parse(strict, body: 0..<strict.count, type: .gtidTagged)
        }
    }

    @Test(.enabled(if: GTIDFixtures.available)) func brokenTaggedMessages() throws {
        let body = try Self.realTaggedBody()
        func rejects(_ bytes: [UInt8]) {
            #expect(throws: DecodeError.self) {
                try MySQLGTIDEvent.parse(bytes, body: 0..<bytes.count, type: .gtidTagged)
            }
        }
        // Another serialization format version.
        var version = body
        version[0] = 0x04
        rejects(version)
        // message_size past the body, and smaller than its own envelope.
        rejects(Self.withMessageSize(body, 61))
        rejects(Self.withMessageSize(body, 2))
        // message_size as a varlen claiming 9 bytes with 2 left.
        rejects([0x02, 0xff, 0x00])
        // A sid byte of 256 (two-byte varlen 0x01 0x04): wider than the field.
        var wideSid = body
        #expect(wideSid[5] == 0x02 && wideSid[6] == 0xaa)  // field id 1, then the first sid byte (0x55)
        wideSid.replaceSubrange(6...6, with: [0x01, 0x04])
        rejects(Self.withMessageSize(wideSid, wideSid.count))
        // The message cut before the gno field (id 2 at byte 31, after the 25 bytes of sid): no gno.
        #expect(body[31] == 0x04)
        rejects(Self.withMessageSize(Array(body[0..<31]), 31))
        // gno 0 (zig-zag 0) is not a GTID.
        var zeroGNO = body
        let gnoValue = try #require(zeroGNO.firstIndex(of: 0x0c))  // field 2's value, 3 -> 0x0c
        zeroGNO[gnoValue] = 0x00
        rejects(zeroGNO)
    }
}
