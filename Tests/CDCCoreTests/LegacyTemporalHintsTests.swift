import CDCCore
import Testing

@testable import BinlogDecoder

/// The fractional precision of MariaDB 5.3-format TIME/DATETIME/TIMESTAMP columns, learned from CREATE TABLE.
@Suite struct LegacyTemporalHintsTests {
    static func map(_ database: String, _ table: String, _ types: [ColumnType]) -> TableMap {
        TableMap(
            tableID: 1, flags: 0, database: database, table: table,
            columns: types.map { TableColumn(binlogType: $0, meta: 0, nullable: true) }, primaryKey: [],
            hasOptionalMetadata: false)
    }

    @Test func learnsFromCreateTable() throws {
        var hints = LegacyTemporalHints()
        hints.observe(
            query: "CREATE TABLE t (id INT, a TIME(3), b DATETIME(6), c TIMESTAMP(2), d TIME)", defaultDatabase: "db")
        let map = Self.map("db", "t", [.long, .time, .dateTime, .timestamp, .time])
        let hinted = try #require(hints.apply(to: map))
        #expect(hinted.columns.map(\.legacyFSP) == [nil, 3, 6, 2, 0])
        // Another database, or a different shape: no hint.
        #expect(hints.apply(to: Self.map("other", "t", [.long, .time, .dateTime, .timestamp, .time])) == nil)
        #expect(hints.apply(to: Self.map("db", "t", [.long, .time])) == nil)
        #expect(hints.apply(to: Self.map("db", "t", [.long, .dateTime, .dateTime, .timestamp, .time])) == nil)
        // Tables without legacy columns need nothing.
        #expect(hints.apply(to: Self.map("db", "t", [.long, .time2, .dateTime2, .timestamp2, .time2])) == nil)
    }

    @Test func qualifiedNamesAndForgetting() {
        var hints = LegacyTemporalHints()
        hints.observe(query: "create table `db2`.`events_log` (a time(4))", defaultDatabase: "db")
        #expect(hints.apply(to: Self.map("db2", "events_log", [.time]))?.columns.first?.legacyFSP == 4)
        for statement in [
            "ALTER TABLE db2.events_log ADD COLUMN b INT", "DROP TABLE events_log",
            "RENAME TABLE events_log TO u",
        ] {
            var copy = hints
            copy.observe(query: statement, defaultDatabase: "db")
            #expect(copy.apply(to: Self.map("db2", "events_log", [.time])) == nil, "\(statement)")
        }
        // Statements about other tables keep the hint.
        hints.observe(query: "DROP TABLE other", defaultDatabase: "db")
        #expect(hints.apply(to: Self.map("db2", "events_log", [.time])) != nil)
        hints.observe(query: "INSERT INTO events_log VALUES (1)", defaultDatabase: "db")
        #expect(hints.apply(to: Self.map("db2", "events_log", [.time])) != nil)
    }

    /// A hint is dropped only when its table is named in an ALTER/DROP/RENAME statement as a whole identifier: a
    /// table named `t` keeps its hint on `DROP TABLE other` ("table" contains "t"), and loses it on `ALTER TABLE t`.
    @Test func shortNamesKeepTheirHint() {
        var hints = LegacyTemporalHints()
        hints.observe(query: "CREATE TABLE t (a TIME(3))", defaultDatabase: "db")
        hints.observe(query: "DROP TABLE other", defaultDatabase: "db")
        #expect(hints.apply(to: Self.map("db", "t", [.time]))?.columns.first?.legacyFSP == 3)
        hints.observe(query: "ALTER TABLE `t` ADD COLUMN b INT", defaultDatabase: "db")
        #expect(hints.apply(to: Self.map("db", "t", [.time])) == nil)
    }

    /// The fixture workload's MariaDB 5.3-format table (`mariadb/*/mysql-bin.000002`, created with
    /// `mysql56_temporal_format=OFF`): its CREATE TABLE in the binlog gives every legacy column a precision.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func fixtureTable() throws {
        let bytes = try Fixtures.bytes("mariadb/minimal-metadata/mysql-bin.000002")
        var decoder = EventDecoder(decompressor: nil)
        var hints = LegacyTemporalHints()
        var offset = 4
        var hinted = 0
        while let header = EventHeader.parse(bytes, at: offset) {
            let size = Int(header.eventSize)
            let event = try decoder.decode(Array(bytes[offset..<(offset + size)]), offset: UInt64(offset))
            switch event.body {
            case .query(let query):
                hints.observe(query: query.query, defaultDatabase: query.database)
            case .tableMap(let map):
                let legacy = map.columns.filter { [.time, .dateTime, .timestamp].contains($0.type) }
                if !legacy.isEmpty {
                    let applied = try #require(hints.apply(to: map), "\(map.table)")
                    #expect(applied.columns.filter { $0.legacyFSP != nil }.count == legacy.count)
                    hinted += 1
                }
            default:
                break
            }
            offset += size
        }
        #expect(hinted > 0)
    }
}
