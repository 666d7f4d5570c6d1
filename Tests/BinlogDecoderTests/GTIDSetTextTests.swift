import BinlogDecoder
import Testing

@Suite("MySQL GTID set text: parsing, membership, subsets")
struct GTIDSetTextTests {
    static let uuidA = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
    static let uuidB = "93e95066-a2f4-11ec-9b69-9657f0ae95e2"

    static func gtid(_ uuid: String, _ gno: Int64, tag: String? = nil) throws -> MySQLGTID {
        MySQLGTID(uuid: try #require(MySQLGTID.parseUUID(uuid)), tag: tag, gno: gno)
    }

    @Test("the text form round-trips through description, as gtid_executed prints it")
    func roundTrip() throws {
        for text in [
            "\(Self.uuidA):1-13:15", "\(Self.uuidA):1,\(Self.uuidB):1-3:5-7", "\(Self.uuidA):1-2:tag_a:1-5:7",
            "",
        ] {
            #expect(try GTIDSet(parsing: text).description == text)
        }
    }

    @Test("whitespace and MySQL's comma-newline separator are accepted; uuids in any case")
    func lenient() throws {
        let set = try GTIDSet(parsing: " \(Self.uuidB.uppercased()):1-3,\n\(Self.uuidA):9 ")
        #expect(set.description == "\(Self.uuidA):9,\(Self.uuidB):1-3")
    }

    @Test("contains: per uuid and tag, inclusive bounds")
    func contains() throws {
        let set = try GTIDSet(parsing: "\(Self.uuidA):1-5:9,\(Self.uuidA):mytag:3")
        #expect(set.contains(try Self.gtid(Self.uuidA, 1)))
        #expect(set.contains(try Self.gtid(Self.uuidA, 5)))
        #expect(!set.contains(try Self.gtid(Self.uuidA, 6)))
        #expect(set.contains(try Self.gtid(Self.uuidA, 9)))
        #expect(!set.contains(try Self.gtid(Self.uuidB, 1)))
        #expect(set.contains(try Self.gtid(Self.uuidA, 3, tag: "mytag")))
        #expect(!set.contains(try Self.gtid(Self.uuidA, 4, tag: "mytag")))
        #expect(!set.contains(try Self.gtid(Self.uuidA, 1, tag: "other")))
    }

    @Test("isSubset: intervals split or merged differently on each side")
    func subset() throws {
        let big = try GTIDSet(parsing: "\(Self.uuidA):1-5,\(Self.uuidA):6-10,\(Self.uuidB):1")
        #expect(try GTIDSet(parsing: "\(Self.uuidA):2-9").isSubset(of: big))
        #expect(try GTIDSet(parsing: "\(Self.uuidA):1-10,\(Self.uuidB):1").isSubset(of: big))
        #expect(try GTIDSet(parsing: "").isSubset(of: big))
        #expect(!(try GTIDSet(parsing: "\(Self.uuidA):1-11").isSubset(of: big)))
        #expect(!(try GTIDSet(parsing: "\(Self.uuidB):2").isSubset(of: big)))
        #expect(!(try GTIDSet(parsing: "\(Self.uuidA):t:1").isSubset(of: big)))
    }

    @Test(
        "bad text is refused with a message naming the part",
        arguments: [
            "nonsense", "3e11fa47-71ca-11e1-9e33:1", "\(uuidA)", "\(uuidA):0", "\(uuidA):5-3", "\(uuidA):1-x",
            "\(uuidA):1,,\(uuidB):1", "\(uuidA):1:9tag:1", "\(uuidA):99999999999999999999",
        ])
    func refused(text: String) {
        #expect(throws: DecodeError.self) { try GTIDSet(parsing: text) }
    }
}
