import Foundation
import Testing

/// `parse --exclude-gtids SET` on real MySQL binlogs (the skipping `run --start gtid:SET` relies on for MySQL).
@Suite("parse --exclude-gtids on MySQL binlogs")
struct ExcludeGTIDsCLITests {
    static let untagged = "mysql-enum-string-set.000001"
    static let tagged = "binlog_transaction_with_GTID_TAG.000001"

    @Test("leaves out exactly the records of the transactions in the set", .enabled(if: SharedFixtures.root != nil))
    func excludesTransactions() throws {
        let all = try MySQLFixtures.records(Self.untagged)
        let gtids = all.compactMap(\.gtid).reduce(into: [String]()) { if $1 != $0.last { $0.append($1) } }
        try #require(gtids.count >= 2, "the fixture has records in several GTID transactions: \(gtids)")
        // Exclude every transaction but the last one that has records (uuid:1-N).
        let last = try #require(gtids.last)
        let colon = try #require(last.lastIndex(of: ":"))
        let uuid = String(last[..<colon])
        let lastNumber = try #require(Int(last[last.index(after: colon)...]))
        let run = try ParseRun.parse(
            [try MySQLFixtures.url(Self.untagged)], ["--exclude-gtids", "\(uuid):1-\(lastNumber - 1)"])
        #expect(run.status == 0, "\(run.summary)")
        let kept = try run.records()
        let expected = all.filter { $0.gtid == last }
        #expect(!expected.isEmpty)
        #expect(kept.map(\.description) == expected.map(\.description))

        let none = try ParseRun.parse([try MySQLFixtures.url(Self.untagged)], ["--exclude-gtids", "\(uuid):1-1000"])
        #expect(none.status == 0, "\(none.summary)")
        #expect(try none.records().isEmpty)
    }

    @Test("tagged GTIDs are matched with their tag", .enabled(if: SharedFixtures.root != nil))
    func taggedGTIDs() throws {
        let all = try MySQLFixtures.records(Self.tagged)
        let gtid = try #require(all.first?.gtid)  // uuid:mytag:3
        let parts = gtid.split(separator: ":")
        try #require(parts.count == 3)
        let url = try MySQLFixtures.url(Self.tagged)
        let sameTag = try ParseRun.parse([url], ["--exclude-gtids", gtid])
        #expect(sameTag.status == 0, "\(sameTag.summary)")
        #expect(try sameTag.records().isEmpty)
        let untagged = try ParseRun.parse([url], ["--exclude-gtids", "\(parts[0]):\(parts[2])"])
        #expect(untagged.status == 0, "\(untagged.summary)")
        #expect(try untagged.records().count == all.count)
    }

    @Test("a malformed set is a usage error naming the option")
    func malformedSet() throws {
        let run = try BinlogSinkCLI.run(["parse", "/dev/null", "--exclude-gtids", "not-a-uuid:1"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--exclude-gtids"))
    }
}
