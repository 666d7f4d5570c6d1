import BinlogDecoder
import Foundation
import Testing

@Suite("PREVIOUS_GTIDS and GTID set text")
struct GTIDSetTests {
    /// The `previous_gtids` list of expected_values.json as entries.
    static func expectedEntries(_ file: String) throws -> [(uuid: String, tag: String?, intervals: [[Int]])] {
        let expected = try GTIDFixtures.rustExpectations(file)
        let list = try #require(expected["previous_gtids"] as? [[String: Any]])
        return try list.map { item in
            (
                uuid: try #require(item["uuid"] as? String), tag: item["tag"] as? String,
                intervals: try #require(item["intervals"] as? [[Int]])
            )
        }
    }

    static func check(_ set: GTIDSet, against expected: [(uuid: String, tag: String?, intervals: [[Int]])]) {
        #expect(set.entries.count == expected.count)
        for (entry, want) in zip(set.entries, expected) {
            #expect(MySQLGTID.uuidString(entry.uuid) == want.uuid)
            #expect(entry.tag == want.tag)
            #expect(entry.intervals.map { [Int($0.start), Int($0.end)] } == want.intervals)
        }
    }

    @Test(.enabled(if: GTIDFixtures.available)) func untaggedPreviousGTIDs() throws {
        let file = "binlog_transaction_previous_GTID_no_tag.000001"
        let binlog = try GTIDTestBinlog("mysql/" + file)
        let event = try #require(binlog.events(of: .previousGTIDs).first)
        let set = try GTIDSet.parsePreviousGTIDs(binlog.bytes, body: event.body)
        Self.check(set, against: try Self.expectedEntries(file))
        #expect(set.description == "b9b88c66-0755-11f1-9899-4a9da94c4d71:1-2")
    }

    @Test(.enabled(if: GTIDFixtures.available)) func taggedPreviousGTIDs() throws {
        let file = "binlog_transaction_with_GTID_TAG.000001"
        let binlog = try GTIDTestBinlog("mysql/" + file)
        let event = try #require(binlog.events(of: .previousGTIDs).first)
        let set = try GTIDSet.parsePreviousGTIDs(binlog.bytes, body: event.body)
        Self.check(set, against: try Self.expectedEntries(file))
        #expect(set.description == "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2")
    }

    /// Every PREVIOUS_GTIDS event of every MySQL fixture parses; the set of a file never contains the GTIDs the
    /// file itself logs.
    @Test(.enabled(if: GTIDFixtures.available)) func everyFixturePreviousGTIDsParses() throws {
        let folder = try GTIDFixtures.url("mysql")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasSuffix(".txt") && !$0.hasSuffix(".json") && !$0.hasSuffix(".md") && $0 != "SHA256SUMS" }
        var parsed = 0
        for name in names.sorted() {
            let binlog = try GTIDTestBinlog("mysql/" + name)
            for event in binlog.events(of: .previousGTIDs) {
                let set = try GTIDSet.parsePreviousGTIDs(binlog.bytes, body: event.body)
                parsed += 1
                for gtidEvent in binlog.events(of: .gtid) {
                    let gtid = try #require(
                        try MySQLGTIDEvent.parse(binlog.bytes, body: gtidEvent.body, type: .gtid).gtid)
                    let contained = set.entries.contains { entry in
                        entry.uuid == gtid.uuid && entry.tag == gtid.tag
                            && entry.intervals.contains { $0.start <= gtid.gno && gtid.gno < $0.end }
                    }
                    #expect(!contained, "\(name): \(gtid) is both logged and in the previous set")
                }
            }
        }
        #expect(parsed >= 20)
    }

    /// transaction_compression.000001 (8.0.32) holds a single-GNO set: printed without a range.
    @Test(.enabled(if: GTIDFixtures.available)) func singleGNOInterval() throws {
        let binlog = try GTIDTestBinlog("mysql/transaction_compression.000001")
        let event = try #require(binlog.events(of: .previousGTIDs).first)
        let set = try GTIDSet.parsePreviousGTIDs(binlog.bytes, body: event.body)
        #expect(set.entries.count == 1)
        #expect(set.entries.first?.intervals == [GTIDSet.Interval(start: 1, end: 2)])
        #expect(set.description == "357df524-4139-11ee-9979-b033ee13919e:1")
    }

    @Test func textGroupsByUUIDThenTag() {
        let low = [UInt8](repeating: 0x11, count: 16)
        let high = [UInt8](repeating: 0xab, count: 16)
        let set = GTIDSet(entries: [
            GTIDSet.Entry(uuid: high, intervals: [GTIDSet.Interval(start: 1, end: 2)]),
            GTIDSet.Entry(uuid: low, tag: "zeta", intervals: [GTIDSet.Interval(start: 4, end: 6)]),
            GTIDSet.Entry(
                uuid: low, intervals: [GTIDSet.Interval(start: 1, end: 4), GTIDSet.Interval(start: 7, end: 8)]),
            GTIDSet.Entry(uuid: low, tag: "alpha", intervals: [GTIDSet.Interval(start: 1, end: 3)]),
        ])
        // MySQL prints ",\n" between UUIDs; the decoder keeps the set on one line with ",".
        #expect(
            set.description == "11111111-1111-1111-1111-111111111111:1-3:7:alpha:1-2:zeta:4-5,"
                + "abababab-abab-abab-abab-abababababab:1")
        #expect(GTIDSet(entries: []).description == "")
    }

    /// A tagged set built by hand in the wire format of `Gtid_set::encode` (format 1).
    @Test func taggedWireFormat() throws {
        var body: [UInt8] = [0x01, 0x02, 0, 0, 0, 0, 0, 0x01]  // tagged, n_sids = 2
        let uuid: [UInt8] = Array(1...16)
        body += uuid + [0x00] + gtidTestLE64(1) + gtidTestLE64(1) + gtidTestLE64(4)  // untagged 1-3
        // tag "ab_" (lower-cased), interval 5
        body += uuid + [0x06] + Array("Ab_".utf8) + gtidTestLE64(1) + gtidTestLE64(5) + gtidTestLE64(6)
        let set = try GTIDSet.parsePreviousGTIDs(body, body: 0..<body.count)
        #expect(set.entries.map(\.tag) == [nil, "ab_"])
        #expect(set.description == "01020304-0506-0708-090a-0b0c0d0e0f10:1-3:ab_:5")
    }
}

func gtidTestLE64(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
}
