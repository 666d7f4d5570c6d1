import BinlogDecoder
import Foundation
import Testing

/// MariaDB GTID and GTID list events, compared with what `mariadb-binlog` printed for the same offsets
/// (`GTID 0-1-5 trans`, `GTID 0-1-6 ddl`, `Gtid list [0-1-106]`).
@Suite("MariaDB GTID events", .enabled(if: GTIDFixtures.available))
struct MariaGTIDTests {
    static let files = [
        "mysql/mariadb-bin.000001",
        "mariadb/full-metadata/mysql-bin.000001",
        "mariadb/full-metadata/mysql-bin.000002",
        "mariadb/full-metadata/mysql-bin.000003",
        "mariadb/full-metadata/mysql-bin.000004",
    ]

    @Test("GTIDs and GTID lists match mariadb-binlog", arguments: files)
    func matchesMariaDBBinlog(_ file: String) throws {
        let binlog = try GTIDTestBinlog(file)
        let text = try GTIDTestDecoderText(file + ".mariadb-binlog.txt")

        // mariadb-binlog stopped early on one file (rc 1, an unknown column type): compare what it printed.
        let printedUpTo = try #require(text.order.last)
        let gtidEvents = binlog.events(of: .mariaGTID).filter { $0.offset <= printedUpTo }
        #expect(gtidEvents.map(\.offset) == text.offsets(containing: "\tGTID "))
        for event in gtidEvents {
            let parsed = try MariaGTIDEvent.parse(binlog.bytes, body: event.body, serverID: event.header.serverID)
            let line = try #require(text.line(at: event.offset, containing: "\tGTID "))
            // "#231114 22:13:21 server id 1  end_log_pos 370 CRC32 0xdb61abe6 \tGTID 0-1-1 ddl"
            let words = line.split(separator: "\t").last?.split(separator: " ").map(String.init) ?? []
            #expect(words.first == "GTID")
            #expect(words.dropFirst().first == parsed.gtid.description)
            // mariadb-binlog writes "trans" for FL_TRANSACTIONAL and "ddl" for FL_DDL, and opens a transaction
            // for every group that is not FL_STANDALONE.
            #expect(words.contains("trans") == (parsed.flags & MariaGTIDEvent.transactionalFlag != 0))
            #expect(words.contains("ddl") == (parsed.flags & MariaGTIDEvent.ddlFlag != 0))
            let opens =
                text.line(at: event.offset, containing: "START TRANSACTION") != nil
                || text.line(at: event.offset, containing: "BEGIN") != nil
            #expect(opens == !parsed.isStandalone)
            let cid = words.first { $0.hasPrefix("cid=") }.map { String($0.dropFirst(4)) }
            #expect(cid == parsed.commitID.map { String($0) })
            #expect(line.contains("server id \(parsed.gtid.server) "))
        }

        let listEvents = binlog.events(of: .mariaGTIDList).filter { $0.offset <= printedUpTo }
        #expect(listEvents.map(\.offset) == text.offsets(containing: "Gtid list ["))
        for event in listEvents {
            let list = try MariaGTIDList.parse(binlog.bytes, body: event.body)
            let line = try #require(text.line(at: event.offset, containing: "Gtid list ["))
            let printed = line.split(separator: "[", maxSplits: 1).last.map { $0.dropLast() } ?? ""
            #expect(String(printed) == list.gtids.map(\.description).joined(separator: ","))
            #expect(list.flags == 0)
        }
    }

    /// The GTID list of a later file names the last GTID written before it: the last GTID event of the file
    /// before, in the full-metadata run (000002's last GTIDs are past the point where mariadb-binlog stopped).
    @Test(arguments: [("000001", "000002"), ("000002", "000003")])
    func gtidListContinuesThePreviousFile(_ files: (String, String)) throws {
        let first = try GTIDTestBinlog("mariadb/full-metadata/mysql-bin." + files.0)
        let second = try GTIDTestBinlog("mariadb/full-metadata/mysql-bin." + files.1)
        let listEvent = try #require(second.events(of: .mariaGTIDList).first)
        let list = try MariaGTIDList.parse(second.bytes, body: listEvent.body)
        let lastEvent = try #require(first.events(of: .mariaGTID).last)
        let last = try MariaGTIDEvent.parse(first.bytes, body: lastEvent.body, serverID: lastEvent.header.serverID)
        #expect(list.gtids == [last.gtid])
    }

    @Test func groupCommitAndXAFields() throws {
        // seq_no 42, domain 7, FL_GROUP_COMMIT_ID | FL_TRANSACTIONAL, commit_id 9, as MariaDB writes them.
        var body = le64ForMaria(42) + [7, 0, 0, 0] + [0x06] + le64ForMaria(9)
        var event = try MariaGTIDEvent.parse(body, body: 0..<body.count, serverID: 3)
        #expect(event.gtid.description == "7-3-42")
        #expect(event.commitID == 9)
        #expect(!event.isStandalone)
        #expect(event.xid == nil)

        // FL_STANDALONE | FL_PREPARED_XA: the XID follows flags2 directly.
        body = le64ForMaria(5) + [0, 0, 0, 0] + [0x41] + [1, 0, 0, 0] + [3, 2] + Array("abcxy".utf8) + [0, 0, 0]
        event = try MariaGTIDEvent.parse(body, body: 0..<body.count, serverID: 1)
        #expect(event.isStandalone)
        #expect(event.commitID == nil)
        #expect(event.xid == MariaGTIDEvent.XID(formatID: 1, gtrid: Array("abc".utf8), bqual: Array("xy".utf8)))
    }

    @Test func hostileInput() throws {
        // Shorter than the 19-byte post-header.
        let short = [UInt8](repeating: 0, count: 18)
        #expect(throws: DecodeError.self) { try MariaGTIDEvent.parse(short, body: 0..<18, serverID: 1) }
        // FL_GROUP_COMMIT_ID without the 8 bytes of commit_id.
        let noCommitID = le64ForMaria(1) + [0, 0, 0, 0] + [0x02] + [0, 0, 0, 0, 0, 0]
        #expect(throws: DecodeError.self) {
            try MariaGTIDEvent.parse(noCommitID, body: 0..<noCommitID.count, serverID: 1)
        }
        // An XID whose parts run past the event, and one with a 200-byte gtrid.
        let longXID =
            le64ForMaria(1) + [0, 0, 0, 0] + [0x80] + [1, 0, 0, 0] + [64, 64] + [UInt8](repeating: 0, count: 10)
        #expect(throws: DecodeError.self) { try MariaGTIDEvent.parse(longXID, body: 0..<longXID.count, serverID: 1) }
        let hugeXID =
            le64ForMaria(1) + [0, 0, 0, 0] + [0x80] + [1, 0, 0, 0] + [200, 0] + [UInt8](repeating: 0, count: 200)
        #expect(throws: DecodeError.self) { try MariaGTIDEvent.parse(hugeXID, body: 0..<hugeXID.count, serverID: 1) }
        // A GTID list claiming 2^28 - 1 GTIDs in 4 bytes, and one whose flags sit in the top bits.
        let hugeList: [UInt8] = [0xff, 0xff, 0xff, 0x0f]
        #expect(throws: DecodeError.self) { try MariaGTIDList.parse(hugeList, body: 0..<4) }
        let flagged: [UInt8] = [0x01, 0, 0, 0x20] + [1, 0, 0, 0] + [2, 0, 0, 0] + le64ForMaria(3)
        #expect(
            try MariaGTIDList.parse(flagged, body: 0..<flagged.count)
                == MariaGTIDList(gtids: [MariaGTID(domain: 1, server: 2, sequence: 3)], flags: 2))
        #expect(throws: DecodeError.self) { try MariaGTIDList.parse(flagged, body: 0..<(flagged.count - 1)) }
    }
}

private func le64ForMaria(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
}
