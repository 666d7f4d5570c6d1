import BinlogDecoder
import MySQLSource
import Testing

@Suite("MySQL --start gtid:SET picks the binlog file the server would")
struct MySQLGTIDStartTests {
    static let uuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562"

    static func files(_ previous: [String]) throws -> [(file: String, set: GTIDSet)] {
        try previous.enumerated().map { index, text in
            ("mysql-bin.00000\(index + 1)", try GTIDSet(parsing: text))
        }
    }

    @Test("the newest file whose PREVIOUS_GTIDS the set covers")
    func newestCoveredFile() throws {
        let files = try Self.files(["", "\(Self.uuid):1-10", "\(Self.uuid):1-20", "\(Self.uuid):1-30"])
        let pick = { (text: String) throws -> String? in
            MySQLGTIDStart.startFile(wanted: try GTIDSet(parsing: text), previous: files)
        }
        #expect(try pick("") == "mysql-bin.000001")
        #expect(try pick("\(Self.uuid):1-9") == "mysql-bin.000001")
        #expect(try pick("\(Self.uuid):1-10") == "mysql-bin.000002")
        #expect(try pick("\(Self.uuid):1-25") == "mysql-bin.000003")
        #expect(try pick("\(Self.uuid):1-40") == "mysql-bin.000004")
        // A gap (transaction 15 missing) sends the replica back to the file that holds it.
        #expect(try pick("\(Self.uuid):1-14:16-40") == "mysql-bin.000002")
    }

    @Test("nothing when the oldest file already begins after transactions the set lacks (purged)")
    func purged() throws {
        let files = try Self.files(["\(Self.uuid):1-10", "\(Self.uuid):1-20"])
        #expect(MySQLGTIDStart.startFile(wanted: try GTIDSet(parsing: "\(Self.uuid):1-5"), previous: files) == nil)
        #expect(MySQLGTIDStart.startFile(wanted: try GTIDSet(parsing: ""), previous: files) == nil)
    }
}
