import Foundation
import Testing

// End-to-end against a real server: a workload over many column types goes into a throwaway MariaDB (started by
// scripts/test), the server's binlogs are decoded by the built `binlog-sink parse`, the records are replayed in
// memory, and every table is compared with what the server itself returns for SELECT.
//
// How values are read from the server: every cell goes through `MariaDBClient.select`, which wraps the expression
// in HEX(), so NULL and every byte come back unambiguously (see MariaDBClient). Per column kind (`LiveKind`):
//
//   kind      server expression (session time_zone +00:00)      record value        compared as
//   integer   CAST(col AS CHAR)                                  JSON number         exact text (the literal as written)
//   year      CAST(col AS CHAR) ("0000" for the zero year)       JSON number         as integers (0 == "0000")
//   bit       CAST(col+0 AS CHAR)                                JSON number         exact text
//   float     CAST(CAST(col AS DOUBLE) AS CHAR): the stored       JSON number         both sides rounded to Float, equal
//             float32 widened exactly (plain SELECT shows                           (and the record's literal has no
//             only 6 significant digits)                                            more digits than the shortest form)
//   double    CAST(col AS CHAR) (shortest round-trip)            JSON number         both parsed as Double, equal (+ shortest)
//   decimal   CAST(col AS CHAR)                                  JSON string         exact text
//   temporal  CAST(col AS CHAR) (DATE/DATETIME/TIMESTAMP/TIME)   JSON string         exact text
//   text      CAST(col AS CHAR CHARACTER SET utf8mb4)            JSON string         exact text (CHAR/VARCHAR/TEXT in
//             (ENUM, SET and JSON too)                                              utf8mb4/utf8mb3/latin1, ENUM, SET, JSON)
//   binary    HEX(col): the bytes (BINARY(n) padded with 0x00)   JSON string, base64 decoded bytes equal
//
// Replay (RecordReplayer): insert appends `after`; update replaces the row equal to `before` with `after`; delete
// removes the row equal to `before`. "Equal" is a whole-row match for every table (under FULL row images this checks
// each before image against the replayed row, and handles the table without a primary key and its duplicate rows),
// except t_alter, matched by primary key because ALTER TABLE changes its columns mid-stream (the workload then
// updates every row of it, so each ends in the new shape).
//
// Also checked: every record's envelope (BinlogRecord.contractViolations, db, server id 1, GTID 0-1-N, ts of now,
// binlog order, unique keys, column names in table order) and the number of row images per operation and table
// against MariaDB's own decoder (mariadb-binlog -vv, when installed).

/// How a column's value is compared (see the table above).
enum LiveKind: Sendable {
    case integer, year, bit, float, double, decimal, temporal, text, binary
}

struct LiveColumn: Sendable {
    var name: String
    var type: String
    var kind: LiveKind
}

struct LiveTable: Sendable {
    var name: String
    /// The table's final shape (after any ALTER in the workload).
    var columns: [LiveColumn]
    var primaryKey: [String]
    /// CREATE TABLE; generated from `columns` unless the workload alters the table.
    var createSQL: String?

    func create(in database: String) -> String {
        if let createSQL { return createSQL }
        var parts = columns.map { "`\($0.name)` \($0.type)" }
        if !primaryKey.isEmpty { parts.append("PRIMARY KEY (\(primaryKey.map { "`\($0)`" }.joined(separator: ", ")))") }
        return
            "CREATE TABLE `\(database)`.`\(name)` (\n  \(parts.joined(separator: ",\n  "))\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    }
}

/// The tables and statements of the live workload.
enum LiveWorkload {
    static let fsps = Array(0...6)

    static let enumMembers300 = (1...300).map { "v\($0)" }
    static let setMembers64 = (1...64).map { "m\($0)" }

    static var tables: [LiveTable] {
        func column(_ name: String, _ type: String, _ kind: LiveKind) -> LiveColumn {
            LiveColumn(name: name, type: type, kind: kind)
        }
        let id = column("id", "INT NOT NULL", .integer)
        let quotedEnum = enumMembers300.map { "'\($0)'" }.joined(separator: ",")
        let quotedSet = setMembers64.map { "'\($0)'" }.joined(separator: ",")
        return [
            LiveTable(
                name: "t_int",
                columns: [
                    id,
                    column("ti", "TINYINT", .integer), column("tu", "TINYINT UNSIGNED", .integer),
                    column("si", "SMALLINT", .integer), column("su", "SMALLINT UNSIGNED", .integer),
                    column("mi", "MEDIUMINT", .integer), column("mu", "MEDIUMINT UNSIGNED", .integer),
                    column("i", "INT", .integer), column("iu", "INT UNSIGNED", .integer),
                    column("bi", "BIGINT", .integer), column("bu", "BIGINT UNSIGNED", .integer),
                ], primaryKey: ["id"]),
            LiveTable(
                name: "t_dec",
                columns: [
                    id,
                    column("d5_2", "DECIMAL(5,2)", .decimal), column("d10_0", "DECIMAL(10,0)", .decimal),
                    column("d18_9", "DECIMAL(18,9)", .decimal), column("d38_10", "DECIMAL(38,10)", .decimal),
                    column("d65_30", "DECIMAL(65,30)", .decimal), column("du12_4", "DECIMAL(12,4) UNSIGNED", .decimal),
                    column("d4_4", "DECIMAL(4,4)", .decimal), column("d65_0", "DECIMAL(65,0)", .decimal),
                ], primaryKey: ["id"]),
            LiveTable(
                name: "t_float",
                columns: [
                    id,
                    column("f", "FLOAT", .float), column("d", "DOUBLE", .double),
                    column("f_ps", "FLOAT(7,3)", .float), column("d_ps", "DOUBLE(15,5)", .double),
                ], primaryKey: ["id"]),
            LiveTable(
                name: "t_bit_year",
                columns: [
                    id,
                    column("b1", "BIT(1)", .bit), column("b7", "BIT(7)", .bit), column("b8", "BIT(8)", .bit),
                    column("b17", "BIT(17)", .bit), column("b33", "BIT(33)", .bit), column("b64", "BIT(64)", .bit),
                    column("y", "YEAR", .year),
                ], primaryKey: ["id"]),
            LiveTable(
                name: "t_temporal",
                columns: [id, column("d", "DATE", .temporal)]
                    + fsps.map { column("dt\($0)", "DATETIME(\($0))", .temporal) }
                    + fsps.map { column("ts\($0)", "TIMESTAMP(\($0)) NULL DEFAULT NULL", .temporal) }
                    + fsps.map { column("tm\($0)", "TIME(\($0))", .temporal) },
                primaryKey: ["id"]),
            LiveTable(
                name: "t_str",
                columns: [
                    id,
                    column("c", "CHAR(10) CHARACTER SET utf8mb4", .text),
                    column("vc", "VARCHAR(300) CHARACTER SET utf8mb4", .text),
                    column("t", "TEXT CHARACTER SET utf8mb4", .text),
                    column("tt", "TINYTEXT CHARACTER SET utf8mb4", .text),
                    column("mt", "MEDIUMTEXT CHARACTER SET utf8mb4", .text),
                    column("c_l", "CHAR(10) CHARACTER SET latin1", .text),
                    column("vc_l", "VARCHAR(100) CHARACTER SET latin1", .text),
                    column("t_l", "TEXT CHARACTER SET latin1", .text),
                    column("vc3", "VARCHAR(50) CHARACTER SET utf8mb3", .text),
                    column("j", "JSON", .text),
                ], primaryKey: ["id"]),
            LiveTable(
                name: "t_bin",
                columns: [
                    id,
                    column("b", "BINARY(8)", .binary), column("vb", "VARBINARY(300)", .binary),
                    column("bl", "BLOB", .binary), column("tb", "TINYBLOB", .binary),
                    column("mb", "MEDIUMBLOB", .binary), column("lb", "LONGBLOB", .binary),
                ], primaryKey: ["id"]),
            LiveTable(
                name: "t_enum_set",
                columns: [
                    id,
                    column("e", "ENUM('small','médium','large') CHARACTER SET utf8mb4", .text),
                    column("s", "SET('a','b','c','d','é') CHARACTER SET utf8mb4", .text),
                    column("e_l", "ENUM('ä','ö','x') CHARACTER SET latin1", .text),
                    column("e300", "ENUM(\(quotedEnum))", .text),
                    column("s64", "SET(\(quotedSet))", .text),
                ], primaryKey: ["id"]),
            // No primary key, duplicate rows: replay matches whole rows.
            LiveTable(
                name: "t_nopk",
                columns: [
                    column("a", "INT", .integer), column("b", "VARCHAR(20)", .text), column("c", "DOUBLE", .double),
                ], primaryKey: []),
            // Composite primary key, changed by an update.
            LiveTable(
                name: "t_composite",
                columns: [
                    column("k1", "INT NOT NULL", .integer), column("k2", "VARCHAR(10) NOT NULL", .text),
                    column("v", "DECIMAL(8,3)", .decimal),
                ], primaryKey: ["k1", "k2"]),
            // ALTER TABLE mid-stream: created as (id, a, note), ends as (id, a, extra).
            LiveTable(
                name: "t_alter",
                columns: [
                    id, column("a", "INT", .integer), column("extra", "DECIMAL(6,2) NOT NULL DEFAULT 1.50", .decimal),
                ], primaryKey: ["id"], createSQL: nil),
        ]
    }

    static func sql(database db: String) -> String {
        func q(_ text: String) -> String { MariaDBClient.literal(text) }
        var s: [String] = []
        // Non-strict mode so the invalid ENUM value and zero dates go in; zero dates need no NO_ZERO_DATE.
        s.append("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'")
        s.append("SET SESSION time_zone = '+00:00'")
        s.append("CREATE DATABASE `\(db)` CHARACTER SET utf8mb4")
        s.append("USE `\(db)`")
        for table in tables where table.name != "t_alter" { s.append(table.create(in: db)) }
        s.append("CREATE TABLE t_alter (id INT NOT NULL PRIMARY KEY, a INT, note VARCHAR(20)) ENGINE=InnoDB")

        // Integers: limits of every width, signed and unsigned.
        s.append(
            """
            INSERT INTO t_int VALUES
            (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0),
            (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615),
            (3, -1, 128, -1, 32768, -1, 8388608, -1, 2147483648, -1, 9223372036854775808),
            (4, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1),
            (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7)
            """)
        // Decimals: limits, negatives, large precision, fractions only.
        let nines65_30 = String(repeating: "9", count: 35) + "." + String(repeating: "9", count: 30)
        s.append(
            """
            INSERT INTO t_dec VALUES
            (1, 999.99, 9999999999, 999999999.999999999, \(String(repeating: "9", count: 28)).9999999999, \(nines65_30), 99999999.9999, 0.9999, \(String(repeating: "9", count: 65))),
            (2, -999.99, -9999999999, -0.000000001, -1234567890123456789012345678.0123456789, -12345678901234567890123456789012345.123456789012345678901234567890, 0, -0.9999, -\(String(repeating: "9", count: 65))),
            (3, 0, 0, 0, 0, 0, 0, 0, 0),
            (4, -0.01, -1, 1.5, -0.0000000001, 0.000000000000000000000000000001, 0.0001, -0.0001, 1),
            (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (6, 12.5, 100, -7.25, 3.14, 2.718281828459045235360287471352, 42, 0.5, -42)
            """)
        // FLOAT / DOUBLE: limits, denormals, values a float32 cannot hold exactly.
        s.append(
            """
            INSERT INTO t_float VALUES
            (1, 1.1, 0.1, 1234.567, 1234567890.12345),
            (2, 3.4028234e38, 1.7976931348623157e308, -9999.999, -9999999999.99999),
            (3, -3.4028234e38, -1.7976931348623157e308, 0, 0),
            (4, 1.17549435e-38, 2.2250738585072014e-308, 0.001, 0.00001),
            (5, 1e-45, 5e-324, 1.5, 2.5),
            (6, 0, 0, NULL, NULL),
            (7, -2.5, 3.141592653589793, 3.25, 1e9),
            (8, 16777217, 9007199254740993, 1, 1),
            (9, 123456.789, 0.30000000000000004, 2, 2),
            (10, NULL, NULL, NULL, NULL),
            (11, 0.5, 0.5, 0.5, 0.5)
            """)
        // BIT(1..64) and YEAR (0 is the zero year 0000).
        s.append(
            """
            INSERT INTO t_bit_year VALUES
            (1, b'1', b'1111111', 255, b'11111111111111111', 8589934591, 0xFFFFFFFFFFFFFFFF, 2155),
            (2, b'0', 0, 0, 0, 0, 0, 0),
            (3, 0, 85, 128, 65536, 4294967296, 0x8000000000000000, 1901),
            (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (5, 1, 1, 1, 1, 1, 0x0102030405060708, 2024),
            (6, 1, 2, 3, 4, 5, 6, 1999)
            """)
        // Temporal: every fsp 0..6; zero dates; limits; negative TIME; TIMESTAMP rendered in UTC.
        func temporalRow(_ id: Int, _ date: String?, _ datetime: String?, _ timestamp: String?, _ time: String?)
            -> String
        {
            let dateValue: String = date.map(q) ?? "NULL"
            let datetimeValue: String = datetime.map(q) ?? "NULL"
            let timestampValue: String = timestamp.map(q) ?? "NULL"
            let timeValue: String = time.map(q) ?? "NULL"
            var values: [String] = [String(id), dateValue]
            values += Array(repeating: datetimeValue, count: fsps.count)
            values += Array(repeating: timestampValue, count: fsps.count)
            values += Array(repeating: timeValue, count: fsps.count)
            return "(" + values.joined(separator: ", ") + ")"
        }
        s.append(
            "INSERT INTO t_temporal VALUES\n"
                + [
                    temporalRow(1, "0000-00-00", "0000-00-00 00:00:00", "0000-00-00 00:00:00", "00:00:00"),
                    temporalRow(
                        2, "1000-01-01", "1000-01-01 00:00:00.000000", "1970-01-01 00:00:01.000000", "-838:59:59"),
                    temporalRow(
                        3, "9999-12-31", "9999-12-31 23:59:59.999999", "2038-01-19 03:14:07.999999", "838:59:59.999999"),
                    temporalRow(
                        4, "2024-02-29", "2024-02-29 12:34:56.123456", "2024-02-29 12:34:56.123456", "-00:00:00.123456"),
                    temporalRow(5, "2024-00-15", "2024-06-00 10:00:00.5", "1999-12-31 23:59:59.5", "-12:34:56.789012"),
                    temporalRow(6, nil, nil, nil, nil),
                    temporalRow(
                        7, "2023-07-01", "2023-07-01 08:09:10.000001", "2023-07-01 08:09:10.000001", "100:00:00.000001"),
                ].joined(separator: ",\n"))
        // A TIMESTAMP written in another session time zone: the record shows it in UTC.
        s.append("SET SESSION time_zone = '+05:30'")
        s.append(
            "INSERT INTO t_temporal (id, d, ts0, ts3, ts6) VALUES (8, '2024-01-01', '2024-01-01 05:30:00', '2024-01-01 05:30:00.250', '2024-01-01 05:30:00.000250')"
        )
        s.append("SET SESSION time_zone = '+00:00'")
        // Strings: utf8mb4 (4-byte characters), utf8mb3, latin1 (MariaDB's latin1 is cp1252: € is 0x80), control
        // characters, trailing spaces, empty strings, the text 'NULL', a long value.
        s.append(
            """
            INSERT INTO t_str VALUES
            (1, 'héllo', 'Grüße, 世界 😀', 'multi\\nline\\ttab\\\\backslash \\'quote\\'', 'tiny ✓', REPEAT('ü', 30000), 'é€ab', 'Ça coûte 5 €', 'naïve façade ÿ Ø', 'ü日本', '{"k": "vé", "n": [1, 2.50]}'),
            (2, '', '', '', '', '', '', '', '', '', '[]'),
            (3, 'trail  ', 'trail  ', ' lead', 'x', 'y', 'trail  ', 'trail  ', ' lead', 'z', 'null'),
            (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            (5, 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', '"NULL"'),
            (6, REPEAT('😀', 10), REPEAT('😀', 300), REPEAT('日本語', 7000), REPEAT('é', 127), REPEAT('€', 70000), REPEAT('ÿ', 10), REPEAT('é', 100), REPEAT('æ', 5000), REPEAT('€', 50), '{"a": {"b": [true, false, null]}}'),
            (7, 'to delete', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', '{}')
            """)
        // Binary: trailing zero bytes (BINARY(n) is logged without them and must come back padded), empty, large.
        s.append(
            """
            INSERT INTO t_bin VALUES
            (1, X'4142', X'0102000000', X'00', X'', REPEAT(X'00FF', 40000), X'DEADBEEF00'),
            (2, X'0000000000000000', X'', X'', X'00000000', X'', X''),
            (3, X'FFFFFFFFFFFFFFFF', REPEAT(X'AB', 299), REPEAT(X'00', 1000), REPEAT(X'FE', 255), X'0A0D09', REPEAT(X'5C00', 70000)),
            (4, NULL, NULL, NULL, NULL, NULL, NULL),
            (5, X'00', X'00', X'0000', X'000000', X'00000000', X'0000000000'),
            (6, 'text', 'ü', 'é€', 'tab\\there', 'x', 'y')
            """)
        // ENUM / SET: accented labels, latin1 labels, 2-byte ENUM (300 members), 8-byte SET (64 members), the
        // invalid ENUM value '' (index 0, from a bad value in non-strict mode), the empty SET.
        s.append(
            """
            INSERT INTO t_enum_set VALUES
            (1, 'small', 'a,d', 'ä', 'v300', 'm1,m64'),
            (2, 'médium', '', 'ö', 'v1', ''),
            (3, 'bogus', 'é,a', 'x', 'v256', \(q(setMembers64.joined(separator: ",")))),
            (4, NULL, NULL, NULL, NULL, NULL),
            (5, 'large', 'b', 'x', 'v2', 'm33')
            """)
        s.append(
            """
            INSERT INTO t_nopk VALUES
            (1, 'x', 0.5), (1, 'x', 0.5), (1, 'x', 0.5), (2, NULL, NULL), (2, NULL, NULL), (3, 'y', 1.5), (4, 'w', -0.25)
            """)
        s.append("INSERT INTO t_composite VALUES (1, 'a', 1.5), (1, 'b', -2.25), (2, 'a', NULL), (3, 'ö', 99999.999)")
        s.append("INSERT INTO t_alter VALUES (1, 10, 'one'), (2, 20, 'two'), (3, 30, NULL)")

        // Updates, including primary-key changes, to and from NULL, several rows per statement.
        s.append("UPDATE t_int SET id = 20 WHERE id = 3")
        s.append("UPDATE t_int SET ti = NULL, bu = 12345678901234567890 WHERE id = 4")
        s.append("UPDATE t_int SET ti = 42, bu = 18446744073709551614 WHERE id = 5")
        s.append("UPDATE t_int SET mi = mi - 1, iu = iu - 1 WHERE id IN (2, 20)")
        s.append("UPDATE t_dec SET d5_2 = -d5_2, d65_30 = -d65_30 WHERE id IN (1, 4)")
        s.append("UPDATE t_dec SET id = 16, d38_10 = NULL WHERE id = 6")
        s.append("UPDATE t_float SET f = f * 2, d = d / 3 WHERE id IN (7, 9)")
        s.append("UPDATE t_float SET f = NULL, d = -0.0 WHERE id = 11")
        s.append("UPDATE t_bit_year SET b64 = b64 >> 1, y = 2000 WHERE id = 5")
        s.append(
            "UPDATE t_temporal SET dt3 = '2000-01-01 00:00:00.001', tm3 = '-00:00:00.001', ts3 = '2001-09-09 01:46:40.5' WHERE id = 4"
        )
        s.append("UPDATE t_temporal SET d = NULL, tm6 = '-838:59:59.000000' WHERE id = 5")
        s.append("UPDATE t_str SET vc = CONCAT(vc, ' ✓'), c_l = 'ÿ', id = 10 WHERE id = 1")
        s.append("UPDATE t_str SET t = NULL, vc3 = 'çà' WHERE id = 2")
        s.append("UPDATE t_bin SET b = X'01', vb = CONCAT(vb, X'00') WHERE id = 3")
        s.append("UPDATE t_bin SET lb = NULL, bl = X'0000' WHERE id = 1")
        s.append("UPDATE t_enum_set SET e = 'large', s = 'b,c,é', e300 = 'v299' WHERE id = 1")
        s.append("UPDATE t_enum_set SET s64 = 'm63' WHERE id = 3")
        s.append("UPDATE t_nopk SET b = 'z' WHERE a = 1 LIMIT 1")
        s.append("UPDATE t_nopk SET c = 2.5 WHERE a = 2")
        s.append("UPDATE t_composite SET k2 = 'c' WHERE k1 = 1 AND k2 = 'a'")
        s.append("UPDATE t_composite SET k1 = 5, v = 0 WHERE k1 = 2")

        // Deletes, including one of several identical rows.
        s.append("DELETE FROM t_int WHERE id = 6")
        s.append("DELETE FROM t_dec WHERE id = 3")
        s.append("DELETE FROM t_float WHERE id = 6")
        s.append("DELETE FROM t_bit_year WHERE id = 6")
        s.append("DELETE FROM t_str WHERE id = 7")
        s.append("DELETE FROM t_nopk WHERE a = 1 LIMIT 1")
        s.append("DELETE FROM t_nopk WHERE a = 3")
        s.append("DELETE FROM t_composite WHERE k1 = 3")

        // A multi-statement transaction over several tables, and one rolled back (not in the binlog).
        s.append("START TRANSACTION")
        s.append("INSERT INTO t_int VALUES (30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)")
        s.append("UPDATE t_str SET tt = 'in a transaction' WHERE id = 2")
        s.append("DELETE FROM t_bin WHERE id = 6")
        s.append("INSERT INTO t_nopk VALUES (1, 'x', 0.5)")
        s.append("COMMIT")
        s.append("START TRANSACTION")
        s.append("INSERT INTO t_int (id) VALUES (99)")
        s.append("DELETE FROM t_dec")
        s.append("ROLLBACK")

        // Schema change mid-stream: the records follow the new shape.
        s.append("ALTER TABLE t_alter ADD COLUMN extra DECIMAL(6,2) NOT NULL DEFAULT 1.50 AFTER a")
        s.append("ALTER TABLE t_alter DROP COLUMN note")
        s.append("UPDATE t_alter SET a = a + 1")
        s.append("INSERT INTO t_alter VALUES (4, 40, 99.99)")
        s.append("DELETE FROM t_alter WHERE id = 2")
        return s.joined(separator: ";\n") + ";\n"
    }
}

/// Canonical forms of record and server values, and the table comparison (see the table at the top of the file).
enum LiveComparison {
    static func significantDigits(_ literal: String) -> Int {
        var mantissa = Substring(literal.prefix { $0 != "e" && $0 != "E" })
        if mantissa.first == "-" { mantissa = mantissa.dropFirst() }
        let digits = mantissa.filter(\.isNumber).drop { $0 == "0" }
        let trimmed = digits.reversed().drop { $0 == "0" }
        return max(trimmed.count, 1)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The record's value in canonical form; a `⟨…⟩` marker (never equal to a server value) when malformed.
    static func canonical(record value: JSONValue?, kind: LiveKind) -> String? {
        guard let value else { return "⟨absent⟩" }
        if value.isNull { return nil }
        switch kind {
        case .integer, .bit:
            guard let text = value.numberText else { return "⟨not a number: \(value.abbreviated())⟩" }
            return text
        case .year:
            guard let year = value.integerValue else { return "⟨not an integer: \(value.abbreviated())⟩" }
            return String(year)
        case .float:
            guard let text = value.numberText, let number = Float(text) else {
                return "⟨not a float: \(value.abbreviated())⟩"
            }
            if significantDigits(text) > significantDigits(number.description) {
                return "⟨not the shortest float form: \(text), shortest \(number.description)⟩"
            }
            return number.description
        case .double:
            guard let text = value.numberText, let number = Double(text) else {
                return "⟨not a double: \(value.abbreviated())⟩"
            }
            if significantDigits(text) > significantDigits(number.description) {
                return "⟨not the shortest double form: \(text), shortest \(number.description)⟩"
            }
            return number.description
        case .decimal, .temporal, .text:
            guard let text = value.stringValue else { return "⟨not a string: \(value.abbreviated())⟩" }
            return text
        case .binary:
            guard let text = value.stringValue, let data = Data(base64Encoded: text) else {
                return "⟨not base64: \(value.abbreviated())⟩"
            }
            return hex(Array(data))
        }
    }

    /// The server's value (bytes from `MariaDBClient.select`) in canonical form.
    static func canonical(server bytes: [UInt8]?, kind: LiveKind) -> String? {
        guard let bytes else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        switch kind {
        case .integer, .bit, .decimal, .temporal, .text: return text
        case .year: return Int(text).map(String.init) ?? "⟨server year \(text)⟩"
        case .float: return Double(text).map { Float($0).description } ?? "⟨server float \(text)⟩"
        case .double: return Double(text).map(\.description) ?? "⟨server double \(text)⟩"
        case .binary: return hex(bytes)
        }
    }

    static func serverExpression(_ column: LiveColumn) -> (expression: String, rendering: MariaDBClient.Rendering) {
        let name = "`\(column.name)`"
        switch column.kind {
        case .bit: return ("\(name) + 0", .text)
        case .float: return ("CAST(\(name) AS DOUBLE)", .text)
        case .binary: return (name, .bytes)
        case .integer, .year, .double, .decimal, .temporal, .text: return (name, .text)
        }
    }

    static func describe(_ row: [String?], _ table: LiveTable) -> String {
        zip(table.columns, row).map { column, value in
            let shown = value.map { $0.count > 80 ? String($0.prefix(80)) + "…(\($0.count))" : $0 } ?? "NULL"
            return "\(column.name)=\(shown)"
        }.joined(separator: " ")
    }

    /// Differences between the replayed rows of `table` and the server's rows.
    static func compare(_ table: LiveTable, replayed: [JSONObject], serverRows: [[[UInt8]?]]) -> [String] {
        var found: [String] = []
        let expected = serverRows.map { row in zip(table.columns, row).map { canonical(server: $1, kind: $0.kind) } }
        let actual = replayed.map { row in table.columns.map { canonical(record: row[$0.name], kind: $0.kind) } }
        func sortKey(_ row: [String?]) -> String { row.map { $0.map { "v" + $0 } ?? "n" }.joined(separator: "\u{1F}") }
        let expectedSorted = expected.sorted { sortKey($0) < sortKey($1) }
        let actualSorted = actual.sorted { sortKey($0) < sortKey($1) }
        if expected.count != actual.count {
            found.append("\(table.name): the server has \(expected.count) rows, the replay \(actual.count)")
        }
        if table.primaryKey.isEmpty {
            if expectedSorted != actualSorted {
                found.append(
                    "\(table.name) (no primary key) differs:\n  server: \(expectedSorted.map { describe($0, table) })\n  replay: \(actualSorted.map { describe($0, table) })"
                )
            }
            return found
        }
        // By primary key, column by column, so that a failure names the column and both values.
        let names = table.columns.map(\.name)
        let keyIndexes = table.primaryKey.compactMap { names.firstIndex(of: $0) }
        func primaryKey(_ row: [String?]) -> String { keyIndexes.map { row[$0] ?? "NULL" }.joined(separator: "|") }
        let actualByKey = Dictionary(actual.map { (primaryKey($0), $0) }, uniquingKeysWith: { first, _ in first })
        let expectedKeys = Set(expected.map(primaryKey))
        func shown(_ value: String?, null: String) -> String { value.map { "\"\($0.prefix(200))\"" } ?? null }
        for row in expectedSorted {
            let key = primaryKey(row)
            guard let replayedRow = actualByKey[key] else {
                found.append(
                    "\(table.name): row \(key) is on the server but not in the replay: \(describe(row, table))")
                continue
            }
            for (offset, column) in table.columns.enumerated() where row[offset] != replayedRow[offset] {
                found.append(
                    "\(table.name) row \(key) column \(column.name) (\(column.type)): server \(shown(row[offset], null: "NULL")), record \(shown(replayedRow[offset], null: "null"))"
                )
            }
        }
        for row in actualSorted where !expectedKeys.contains(primaryKey(row)) {
            found.append(
                "\(table.name): row \(primaryKey(row)) is in the replay but not on the server: \(describe(row, table))")
        }
        return found
    }
}

extension LiveServer {
    @Suite(
        "Live MariaDB: parse the server's own binlogs and replay them",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil,
            "needs a live server: BINLOG_SINK_TEST_MYSQL_SOCKET (scripts/test starts one)")
    )
    struct LiveMariaDBTests {
        let client: MariaDBClient

        init() throws {
            guard let client = MariaDBClient.fromEnvironment else {
                throw MariaDBClient.Failure(
                    message: "BINLOG_SINK_TEST_MYSQL_SOCKET is not set or no mariadb client found")
            }
            self.client = client
        }

        static func uniqueDatabase(_ prefix: String) -> String {
            "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        }

        /// Runs `body` with `binlog_row_metadata=FULL` (a global-only variable: column names, ENUM/SET labels and
        /// signedness in the table map), restoring the previous value after.
        func withFullRowMetadata<T>(_ body: () throws -> T) throws -> T {
            let previous = try client.scalar("SELECT @@global.binlog_row_metadata")
            try client.run("SET GLOBAL binlog_row_metadata = FULL")
            defer { _ = try? client.run("SET GLOBAL binlog_row_metadata = \(previous)") }
            return try body()
        }

        /// The record contract (BinlogRecord.contractViolations) plus what this server and workload fix: the db, server
        /// id 1, MariaDB GTIDs 0-1-N, timestamps of now, binlog order, unique keys, column names in table order.
        func envelopeProblems(_ records: [BinlogRecord], database: String, files: [URL], since start: Date) -> [String]
        {
            let fileNames = files.map(\.lastPathComponent)
            let tables = Dictionary(uniqueKeysWithValues: LiveWorkload.tables.map { ($0.name, $0) })
            var seenKeys = Set<String>()
            var previous: (file: Int, pos: Int, row: Int)?
            var problems: [String] = []
            let now = Date().timeIntervalSince1970
            for record in records {
                var own = record.contractViolations()
                if record.db != database { own.append("db is not \(database)") }
                if record.serverID.integerValue != 1 { own.append("server_id is not 1") }
                if let fileIndex = fileNames.firstIndex(of: record.file) {
                    if let previous, (previous.file, previous.pos, previous.row) >= (fileIndex, record.pos, record.row)
                    {
                        own.append("not in binlog order after \(previous)")
                    }
                    previous = (fileIndex, record.pos, record.row)
                } else {
                    own.append("source.file is not one of \(fileNames)")
                }
                if !seenKeys.insert(record.key).inserted { own.append("duplicate key") }
                let gtidParts = (record.gtid ?? "").split(separator: "-", omittingEmptySubsequences: false)
                if gtidParts.count != 3 || gtidParts[0] != "0" || gtidParts[1] != "1" || Int(gtidParts[2]) == nil {
                    own.append("gtid \(record.gtid ?? "null") is not 0-1-N")
                }
                if let ts = record.ts.integerValue.map(Double.init),
                    ts < start.timeIntervalSince1970 - 300 || ts > now + 300
                {
                    own.append("ts \(ts) is not around now")
                }
                if let table = tables[record.table] {
                    let names = table.columns.map(\.name)
                    for image in [record.before, record.after].compactMap({ $0 }) where image.keys != names {
                        // t_alter changes shape mid-stream; every other table keeps its columns.
                        if table.name != "t_alter" { own.append("columns \(image.keys), table order is \(names)") }
                    }
                } else {
                    own.append("unexpected table")
                }
                problems += own.map { "\(record.key): \($0) in \(record.description)" }
            }
            return problems
        }

        /// Row images per "op table" as MariaDB's own decoder finds them in `files` for `database`; nil when
        /// mariadb-binlog is not installed.
        func mariadbBinlogCounts(_ files: [URL], database: String) throws -> [String: Int]? {
            let candidates = ["/usr/bin/mariadb-binlog", "/usr/local/bin/mariadb-binlog", "/usr/bin/mysqlbinlog"]
            guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                return nil
            }
            let result = try MariaDBClient.runProcess(
                tool, ["--no-defaults", "--base64-output=DECODE-ROWS", "-vv"] + files.map(\.path), input: Data(),
                timeout: 300)
            guard result.status == 0 else {
                throw MariaDBClient.Failure(message: "mariadb-binlog failed: \(result.stderr)")
            }
            var counts: [String: Int] = [:]
            for image in try MariaDBBinlogText.parse(result.stdout) where image.db == database {
                counts["\(image.op.rawValue) \(image.table)", default: 0] += 1
            }
            return counts
        }

        @Test("every column type: records replayed in memory equal the server's tables")
        func replayEqualsServer() throws {
            let database = Self.uniqueDatabase("bls_live")
            let start = Date()
            let files = try withFullRowMetadata { () throws -> [URL] in
                let first = try client.currentBinlog()
                try client.run(LiveWorkload.sql(database: database))
                return try client.closedBinlogs(since: first).map { URL(fileURLWithPath: $0) }
            }
            let run = try ParseRun.parse(files, ["--include", "\(database).*"])
            #expect(run.status == 0, "\(run.summary)")
            let records = try run.records()
            #expect(!records.isEmpty, "no records: \(run.summary)")

            let envelope = envelopeProblems(records, database: database, files: files, since: start)
            expectNoProblems(envelope, "record envelopes")

            // Row images per operation and table: the same as MariaDB's own decoder finds.
            var counts: [String: Int] = [:]
            for record in records { counts["\(record.op.rawValue) \(record.table)", default: 0] += 1 }
            if let reference = try mariadbBinlogCounts(files, database: database) {
                #expect(
                    counts == reference,
                    "row images per op and table: binlog-sink \(counts), mariadb-binlog \(reference)")
            }

            // Whole-row matching of `before` everywhere (under FULL images that checks every before image against the
            // replayed row), except t_alter, whose rows change shape with the ALTER: matched by primary key there.
            let alterKey = "\(database).t_alter"
            var replayer = RecordReplayer(primaryKey: { $0 == alterKey ? ["id"] : nil })
            replayer.apply(records)
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the records")

            for table in LiveWorkload.tables {
                let serverRows = try client.select(
                    table.columns.map(LiveComparison.serverExpression),
                    from: "`\(database)`.`\(table.name)`",
                    setup: "SET SESSION time_zone = '+00:00'")
                #expect(!serverRows.isEmpty, "\(table.name) is empty on the server: the workload did not run as meant")
                let differences = LiveComparison.compare(
                    table, replayed: replayer.rows("\(database).\(table.name)"),
                    serverRows: serverRows)
                expectNoProblems(differences, "\(table.name): replay vs server")
            }

            // Spot checks of the contract's exact forms, on rows whose values are known.
            func after(_ table: String, id: Int128) -> JSONObject? {
                records.last { $0.table == table && $0.after?["id"]?.integerValue == id }?.after
            }
            #expect(after("t_float", id: 1)?["f"] == .number("1.1"), "FLOAT 1.1 is written 1.1")
            #expect(after("t_float", id: 1)?["f"]?.numberText == "1.1")
            #expect(after("t_int", id: 2)?["bu"]?.numberText == "18446744073709551615")
            #expect(after("t_bit_year", id: 2)?["y"]?.numberText == "0", "the zero YEAR is 0")
            #expect(after("t_temporal", id: 8)?["ts3"] == .string("2024-01-01 00:00:00.250"), "TIMESTAMP in UTC")
            #expect(after("t_bin", id: 1)?["vb"] == .string("AQIAAAA="), "trailing zero bytes kept")
            #expect(after("t_bin", id: 1)?["b"] == .string("QUIAAAAAAAA="), "BINARY(8) padded with 0x00")
            #expect(after("t_str", id: 5)?["c"] == .string("NULL"), "the text 'NULL' is not null")
        }

        @Test("a binlog cut in the middle of its last rows event: good records, then one error naming file and offset")
        func truncatedBinlog() throws {
            let database = Self.uniqueDatabase("bls_damaged")
            let files = try withFullRowMetadata { () throws -> [URL] in
                let first = try client.currentBinlog()
                let values = (1...40).map { "(\($0), 'row \($0) ü')" }.joined(separator: ", ")
                try client.run(
                    """
                    CREATE DATABASE `\(database)`;
                    CREATE TABLE `\(database)`.t (id INT PRIMARY KEY, v VARCHAR(100)) DEFAULT CHARSET=utf8mb4;
                    INSERT INTO `\(database)`.t VALUES (1001, 'a'), (1002, 'b'), (1003, 'c');
                    UPDATE `\(database)`.t SET v = 'bb' WHERE id = 1002;
                    DELETE FROM `\(database)`.t WHERE id = 1003;
                    INSERT INTO `\(database)`.t VALUES \(values);
                    """)
                return try client.closedBinlogs(since: first).map { URL(fileURLWithPath: $0) }
            }
            let full = try ParseRun.parse(files, ["--include", "\(database).*"])
            #expect(full.status == 0, "\(full.summary)")
            let fullLines = full.result.stdoutText.split(separator: "\n", omittingEmptySubsequences: true).map(
                String.init)
            let records = try full.records()
            // The last statement is one rows event of 40 rows: the last event with rows of this database.
            guard let last = records.last, let path = files.first(where: { $0.lastPathComponent == last.file }) else {
                Issue.record("no records to damage: \(full.summary)")
                return
            }
            #expect(
                records.filter { $0.file == last.file && $0.pos == last.pos }.count == 40,
                "the 40-row insert is one rows event")

            // Copy the file under its own name (so source.file stays the same) and cut it in the middle of that event.
            let binlog = try RawBinlog(contentsOf: path)
            guard let event = binlog.walk().headers.first(where: { $0.pos == last.pos }) else {
                Issue.record("no event starts at \(last.pos) in \(path.path)")
                return
            }
            let cut = event.pos + event.size / 2
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "binlog-sink-damaged-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let damaged = scratch.appendingPathComponent(last.file)
            try Data(binlog.bytes.prefix(cut)).write(to: damaged)

            let run = try ParseRun.parse([damaged], ["--include", "\(database).*"])
            #expect(run.status == 1, "damaged input: exit status 1; \(run.summary)")
            // Every complete record before the damage, exactly as the undamaged file gives them.
            let expected = zip(records, fullLines).filter { $0.0.file == last.file && $0.0.pos < event.pos }.map(\.1)
            let got = run.result.stdoutText.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            #expect(!expected.isEmpty)
            #expect(got == expected, "records before the damage: expected \(expected.count), got \(got.count)")

            #expect(run.stderrLines.count == 1, "exactly one line on stderr: \(run.stderr)")
            if let line = run.stderrLines.first {
                if let error = BinlogSinkErrorLine(line) {
                    #expect(error.file.hasSuffix(last.file), "the error names the file: \(line)")
                    // N is where the damaged event starts or where its bytes ran out.
                    #expect(
                        error.offset >= event.pos && error.offset <= cut,
                        "offset \(error.offset) should be within the damaged event [\(event.pos), \(cut)]: \(line)")
                } else {
                    Issue.record("stderr is not `binlog-sink: error: FILE: at offset N: …`: \(line)")
                }
            }
        }
    }
}
