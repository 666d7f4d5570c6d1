import BinlogDecoder
import Foundation
import TestSupport
import Testing

@testable import CDCCore

/// `--format debezium`: the envelope from real events, and every value representation that differs from the
/// native format checked against MariaDB's own text for real row images (MariaDBRowVectors), with the expected
/// numbers computed here independently (day counting by loop, not the encoder's formula).
@Suite struct DebeziumRecordEncoderTests {
    static let encoder = DebeziumRecordEncoder(name: "dbserver1", now: { 1_700_000_123_456 })

    static func record(
        _ operation: RecordRenderer.Operation, table: TableRenderInfo, before: [ColumnValue]?, after: [ColumnValue]?,
        bytes: [UInt8], side: [UInt8] = [], source: RecordRenderer.Source
    ) throws -> String {
        var out = OutputBuffer(capacity: 256)
        try encoder.appendValue(
            operation, table: table, before: before, after: after, bytes: bytes, side: side, source: source, into: &out)
        return String(decoding: out.array, as: UTF8.self)
    }

    /// The real UPDATE of `shop.orders` (7, 'old') → (7, 'new'): the whole line, byte for byte.
    @Test func envelope() throws {
        let shop = try ShopBinlog()
        let rows = try shop.rows(at: 1018)
        let table = TableRenderInfo(map: rows.map)
        var cursor = try RowCursor(event: rows.event, columns: table.map.columns, isMariaDB: true)
        var before: [ColumnValue] = []
        var after: [ColumnValue] = []
        _ = try cursor.next(before: &before, after: &after)
        let source = RecordRendererTests.source(gtid: "0-1-42")
        let line = try Self.record(
            .update, table: table, before: before, after: after, bytes: rows.event.bytes, source: source)
        #expect(
            line == """
                {"before":{"id":7,"note":"old"},"after":{"id":7,"note":"new"},"source":{"version":"binlog-sink",\
                "connector":"mysql","name":"dbserver1","ts_ms":1700000000000,"snapshot":"false","db":"shop",\
                "table":"orders","server_id":1,"gtid":"0-1-42","file":"mysql-bin.000001","pos":1234,"row":0},\
                "op":"u","ts_ms":1700000123456}
                """)
        #expect(Self.encoder.separator == [10])
        let insert = try Self.record(
            .insert, table: table, before: nil, after: after, bytes: rows.event.bytes,
            source: RecordRendererTests.source(gtid: nil))
        #expect(insert.hasPrefix("{\"before\":null,\"after\":{") && insert.contains("\"gtid\":null,"))
        #expect(insert.hasSuffix("\"op\":\"c\",\"ts_ms\":1700000123456}"))
        let delete = try Self.record(
            .delete, table: table, before: before, after: nil, bytes: rows.event.bytes, source: source)
        #expect(delete.contains("\"after\":null,") && delete.contains("\"op\":\"d\""))
        let read = try Self.record(
            .read, table: table, before: nil, after: after, bytes: rows.event.bytes, source: source)
        #expect(read.contains("\"snapshot\":\"true\"") && read.contains("\"op\":\"r\""))
        var key = OutputBuffer(capacity: 64)
        try Self.encoder.appendKey(table: table, image: after, bytes: rows.event.bytes, side: [], into: &key)
        #expect(String(decoding: key.array, as: UTF8.self) == "{\"id\":7}")
    }

    /// Column `c` of each vector row rendered as the `after` image of a Debezium record, parsed back.
    func values(_ name: String) throws -> [(text: String?, value: Any)] {
        let vectors = try VectorTable(name)
        let table = TableRenderInfo(map: vectors.map)
        return try vectors.vectors.rows.indices.map { index in
            let (values, bytes) = try vectors.decode(index)
            let line = try Self.record(
                .insert, table: table, before: nil, after: values, bytes: bytes,
                source: RecordRendererTests.source(gtid: nil))
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let after = try #require(object["after"] as? [String: Any])
            return (vectors.vectors.rows[index].text[0], after["c"] ?? NSNull())
        }
    }

    /// Days since 1970-01-01 by counting years and months.
    static func days(_ year: Int, _ month: Int, _ day: Int) -> Int {
        func leap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var total = 0
        if year >= 1970 {
            for y in 1970..<year { total += leap(y) ? 366 : 365 }
        } else {
            for y in year..<1970 { total -= leap(y) ? 366 : 365 }
        }
        for m in 1..<month { total += lengths[m - 1] + (m == 2 && leap(year) ? 1 : 0) }
        return total + day - 1
    }

    /// `YYYY-MM-DD[ HH:MM:SS[.f…]]` → (year, month, day, microseconds of the day).
    static func parse(_ text: String) throws -> (Int, Int, Int, Int) {
        let parts = text.split(separator: " ")
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        try #require(date.count == 3)
        var micros = 0
        if parts.count > 1 { micros = try clock(String(parts[1])) }
        return (date[0], date[1], date[2], micros)
    }

    /// `[-]H:MM:SS[.f…]` → microseconds.
    static func clock(_ text: String) throws -> Int {
        let negative = text.hasPrefix("-")
        let fields = text.drop { $0 == "-" }.split(separator: ":")
        let seconds = fields[2].split(separator: ".")
        let fraction = seconds.count > 1 ? String(seconds[1]).padding(toLength: 6, withPad: "0", startingAt: 0) : "0"
        let hours: Int = try #require(Int(fields[0]))
        let minutes: Int = try #require(Int(fields[1]))
        let whole: Int = try #require(Int(seconds[0]))
        let micros: Int = try #require(Int(fraction))
        let value = (hours * 3600 + minutes * 60 + whole) * 1_000_000 + micros
        return negative ? -value : value
    }

    @Test func datesAreDaysSinceEpochAndZeroDatesNull() throws {
        for (text, value) in try values("t_date") {
            let (year, month, day, _) = try Self.parse(try #require(text))
            if month == 0 || day == 0 {
                #expect(value is NSNull, "\(text ?? "")")
            } else {
                #expect((value as? NSNumber)?.intValue == Self.days(year, month, day), "\(text ?? "")")
            }
        }
    }

    @Test(arguments: (0...6).flatMap { ["t_dt\($0)", "t_odt\($0)"] })
    func datetimesAreEpochMillisOrMicros(table: String) throws {
        let fsp = Int(String(table.last ?? "0")) ?? 0
        for (text, value) in try values(table) {
            let (year, month, day, micros) = try Self.parse(try #require(text))
            if month == 0 || day == 0 {
                #expect(value is NSNull, "\(table) \(text ?? "")")
                continue
            }
            let total = Self.days(year, month, day) * 86_400_000_000 + micros
            // DATETIME(0…3) → io.debezium.time.Timestamp (ms), DATETIME(4…6) → MicroTimestamp (µs).
            let expected = fsp <= 3 ? Int((Double(total) / 1000).rounded(.down)) : total
            #expect((value as? NSNumber)?.int64Value == Int64(expected), "\(table) \(text ?? "")")
        }
    }

    @Test(arguments: (0...6).flatMap { ["t_ts\($0)", "t_ots\($0)"] })
    func timestampsAreISO8601UTC(table: String) throws {
        for (text, value) in try values(table) {
            let text = try #require(text)
            if text.hasPrefix("0000-00-00") {
                #expect(value is NSNull, "\(table)")
            } else {
                let expected = text.replacingOccurrences(of: " ", with: "T") + "Z"
                #expect(value as? String == expected, "\(table) \(text)")
            }
        }
    }

    @Test(arguments: (0...6).flatMap { ["t_time\($0)", "t_otime\($0)"] })
    func timesAreSignedMicroseconds(table: String) throws {
        for (text, value) in try values(table) {
            let expected = try Self.clock(try #require(text))
            #expect((value as? NSNumber)?.int64Value == Int64(expected), "\(table) \(text ?? "")")
        }
    }

    /// BIT(1) is a boolean; wider BITs are their ceil(n/8) bytes, least significant first, in base64.
    @Test func bits() throws {
        let vectors = try VectorTable("t_bits")
        let table = TableRenderInfo(map: vectors.map)
        for (index, row) in vectors.vectors.rows.enumerated() {
            let (values, bytes) = try vectors.decode(index)
            let line = try Self.record(
                .insert, table: table, before: nil, after: values, bytes: bytes,
                source: RecordRendererTests.source(gtid: nil))
            let after = try #require(
                (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["after"]
                    as? [String: Any])
            for (column, text) in row.text.enumerated() {
                let digits = try #require(text)
                let number = try #require(UInt64(digits))
                let info = table.columns[column + 1]
                let width = Int(info.column.meta >> 8) * 8 + Int(info.column.meta & 0xff)
                let value = try #require(after[info.column.name ?? ""])
                if width == 1 {
                    #expect(value as? Bool == (number != 0), "BIT(1) row \(index)")
                } else {
                    let little = (0..<((width + 7) / 8)).map { UInt8(truncatingIfNeeded: number >> (8 * UInt64($0))) }
                    #expect(value as? String == Data(little).base64EncodedString(), "BIT(\(width)) row \(index)")
                }
            }
        }
    }

    /// Every row of real binlogs (all MariaDB types; MySQL binary JSON and partial updates) is one valid JSON
    /// object; values of types whose representation is the native one are equal to the JSON format's, and MySQL
    /// JSON documents are strings holding the native format's JSON value.
    @Test(
        .enabled(if: Fixtures.available, Fixtures.skipMessage),
        arguments: [("mariadb/full-metadata/mysql-bin.000001", true), ("mysql/json.binlog.000001", false)])
    func fixtureRows(file: String, isMariaDB: Bool) throws {
        let fixture = try FixtureRowChanges(file: file, isMariaDB: isMariaDB)
        let json = JSONRecordEncoder()
        #expect(fixture.changes.count > 10)
        for change in fixture.changes {
            let line = try Self.record(
                change.operation, table: change.table, before: change.before, after: change.after,
                bytes: change.bytes, side: change.side, source: change.source)
            var native = OutputBuffer(capacity: 256)
            try json.appendValue(
                change.operation, table: change.table, before: change.before, after: change.after,
                bytes: change.bytes, side: change.side, source: change.source, into: &native)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let nativeObject = try #require(
                try JSONSerialization.jsonObject(with: Data(native.array)) as? [String: Any])
            let op = ["insert": "c", "update": "u", "delete": "d"][nativeObject["op"] as? String ?? ""]
            #expect(object["op"] as? String == op)
            let source = try #require(object["source"] as? [String: Any])
            #expect(
                source["table"] as? String == change.table.map.table
                    && source["pos"] as? Int == Int(change.source.position))
            for image in ["before", "after"] {
                guard let row = object[image] as? [String: Any] else {
                    #expect(object[image] is NSNull && nativeObject[image] is NSNull)
                    continue
                }
                let nativeRow = try #require(nativeObject[image] as? [String: Any])
                #expect(Set(row.keys) == Set(nativeRow.keys))
                for (index, info) in change.table.columns.enumerated() {
                    let name = info.column.name ?? "@\(index + 1)"
                    guard let value = row[name], let nativeValue = nativeRow[name] else { continue }
                    switch info.column.type {
                    case .date, .newDate, .time, .time2, .dateTime, .dateTime2, .timestamp, .timestamp2, .bit:
                        continue  // checked against the server's text above
                    case .json:
                        if nativeValue is NSNull { continue }
                        let text = try #require(value as? String, "\(name)")
                        let parsed = try JSONSerialization.jsonObject(
                            with: Data(text.utf8), options: [.fragmentsAllowed])
                        #expect(Self.equal(parsed, nativeValue), "\(file) \(name): \(text)")
                    default:
                        #expect(Self.equal(value, nativeValue), "\(file) \(name)")
                    }
                }
            }
        }
    }

    static func equal(_ left: Any, _ right: Any) -> Bool {
        (left as? NSObject)?.isEqual(right) ?? false
    }
}
