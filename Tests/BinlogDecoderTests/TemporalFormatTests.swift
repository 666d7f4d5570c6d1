import BinlogDecoder
import TestSupport
import Testing

/// TIME2/DATETIME2/TIMESTAMP2 (MySQL 5.6+/MariaDB 10.1+), MySQL 5.5's TIME/DATETIME/TIMESTAMP and MariaDB 5.3's
/// "hires" storage, decoded from row images a real MariaDB 10.11 wrote, against the server's own SELECT text
/// (MariaDBRowVectors; TIMESTAMP selected in time zone +00:00).
@Suite struct TemporalFormatTests {
    static let timeTables = (0...6).map { "t_time\($0)" }
    static let dateTimeTables = (0...6).map { "t_dt\($0)" }
    static let timestampTables = (0...6).map { "t_ts\($0)" }
    static let oldTimeTables = (0...6).map { "t_otime\($0)" }
    static let oldDateTimeTables = (0...6).map { "t_odt\($0)" }
    static let oldTimestampTables = (0...6).map { "t_ots\($0)" }

    @Test(arguments: timeTables + oldTimeTables)
    func time(table: String) throws {
        var vectors = try VectorTable(table)
        vectors.applyLegacyFSPFromDDL()
        for (index, row) in vectors.vectors.rows.enumerated() {
            let text = try #require(row.text[0] ?? nil)
            let expected = try #require(ServerTemporalText.time(text))
            let (values, _) = try vectors.decode(index)
            #expect(values[1] == .time(expected), "\(table) \(row.values) → \(text)")
        }
    }

    @Test(arguments: dateTimeTables + oldDateTimeTables)
    func dateTime(table: String) throws {
        var vectors = try VectorTable(table)
        vectors.applyLegacyFSPFromDDL()
        for (index, row) in vectors.vectors.rows.enumerated() {
            let text = try #require(row.text[0] ?? nil)
            let expected = try #require(ServerTemporalText.dateTime(text))
            let (values, _) = try vectors.decode(index)
            #expect(values[1] == .dateTime(expected), "\(table) \(row.values) → \(text)")
        }
    }

    @Test(arguments: timestampTables + oldTimestampTables)
    func timestamp(table: String) throws {
        var vectors = try VectorTable(table)
        vectors.applyLegacyFSPFromDDL()
        for (index, row) in vectors.vectors.rows.enumerated() {
            let text = try #require(row.text[0] ?? nil)
            let expected = try #require(ServerTemporalText.timestamp(text))
            let (values, _) = try vectors.decode(index)
            #expect(
                values[1] == .timestamp(seconds: expected.seconds, microseconds: expected.micros, fsp: expected.fsp),
                "\(table) \(row.values) → \(text)")
        }
    }

    @Test func date() throws {
        let vectors = try VectorTable("t_date")
        for (index, row) in vectors.vectors.rows.enumerated() {
            let text = try #require(row.text[0] ?? nil)
            let expected = try #require(ServerTemporalText.date(text))
            let (values, _) = try vectors.decode(index)
            #expect(values[1] == .date(year: expected.year, month: expected.month, day: expected.day), "\(text)")
        }
    }

    /// The edge cases the record format names, spelled out: they are in the vectors above, this checks they are.
    @Test func namedEdgeCases() throws {
        let texts = try (Self.timeTables + Self.oldTimeTables).flatMap { name in
            try #require(MariaDBRowVectors.table(name)).rows.compactMap { $0.text[0] ?? nil }
        }
        for text in [
            "-838:59:59", "838:59:59", "-00:00:01", "-00:00:00.001", "-00:00:00.1", "-00:00:00.000001",
            "-838:59:59.000000", "-12:00:00.500000", "-01:00:00.0001",
        ] {
            #expect(texts.contains(text), "\(text)")
        }
    }

    /// `mysql/time_issue.000001` (MySQL 8.0.40): every column holds the negative TIME `-507:48:27` (rust_mysql_common:
    /// negative, 21 days 03:48:27; INDEX.md).
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func negativeTimeFixture() throws {
        let binlog = try DecodedBinlog(fixture: "mysql/time_issue.000001")
        let (entry, rows) = try #require(binlog.rowsEvents.first)
        let map = try #require(entry.tableMap)
        var cursor = try RowCursor(event: rows, columns: map.columns, isMariaDB: false)
        var before: [ColumnValue] = []
        var after: [ColumnValue] = []
        #expect(try cursor.next(before: &before, after: &after))
        #expect(!after.isEmpty)
        for value in after {
            guard case .time(let time) = value else {
                Issue.record("not a TIME: \(value)")
                continue
            }
            #expect(time.negative && time.hours == 507 && time.minutes == 48 && time.seconds == 27)
            #expect(time.microseconds == 0)
        }
    }

    /// Truncated temporal values throw instead of reading past the image.
    @Test(arguments: ["t_time6", "t_dt6", "t_ts6", "t_otime6", "t_odt6", "t_ots6", "t_date", "t_otime0", "t_odt0"])
    func truncated(table: String) throws {
        var vectors = try VectorTable(table)
        vectors.applyLegacyFSPFromDDL()
        let image = try Hex.bytes(vectors.vectors.rows[0].image)
        let bitmapLength = (vectors.map.columns.count + 7) / 8
        let decoder = RowImageDecoder(columns: vectors.map.columns, isMariaDB: true)
        for cut in 1..<image.count {
            let bytes = [UInt8](repeating: 0xff, count: bitmapLength) + image.dropLast(cut)
            var reader = ByteReader(bytes, range: bitmapLength..<bytes.count)
            var values: [ColumnValue] = []
            do {
                try decoder.decode(&reader, present: 0..<bitmapLength, into: &values)
                Issue.record("\(table): image cut by \(cut) bytes decoded")
            } catch {
                #expect(error.code == .truncated)
            }
        }
    }

    /// Regression (fuzzing, FuzzRegressions "datetime-hires-overflow"): a MariaDB 5.3 DATETIME(1) or DATETIME(3) of
    /// all-ones bytes overflowed 64 bits when scaled to microseconds and trapped; now it is malformed.
    @Test(arguments: [UInt8(1), 3])
    func hiresDateTimeOverflow(fsp: UInt8) {
        var column = TableColumn(binlogType: .dateTime, meta: 0, nullable: true)
        column.legacyFSP = fsp
        let bytes: [UInt8] = [0x01, 0x00] + [UInt8](repeating: 0xff, count: 8)
        var reader = ByteReader(bytes, range: 1..<bytes.count)
        var values: [ColumnValue] = []
        do {
            try RowImageDecoder(columns: [column], isMariaDB: true).decode(&reader, present: 0..<1, into: &values)
            Issue.record("DATETIME(\(fsp)) of 0xff bytes decoded: \(values)")
        } catch {
            #expect(error.code == .malformed)
        }
    }
}
