import BinlogDecoder
import CDCCore
import Foundation
import TestSupport
import Testing

/// Every column type of a real MariaDB 10.11's row images (MariaDBRowVectors), decoded and rendered as
/// docs/record-format.md says, against the server's own SELECT text (time zone +00:00).
@Suite struct ValueRendererTests {
    static func quoted(_ text: String?) -> String { "\"\(text ?? "NULL")\"" }

    /// The value renders exactly as the server's text (`quote`: as a JSON string).
    func expectServerText(_ table: String, select column: Int = 0, quote: Bool) throws {
        let vectors = try VectorTable(table)
        for (index, row) in vectors.vectors.rows.enumerated() {
            let text = row.text[column]
            let expected = quote ? Self.quoted(text) : (text ?? "null")
            #expect(try vectors.render(index, column: 1) == expected, "\(table) \(row.values)")
        }
    }

    @Test func integers() throws {
        let vectors = try VectorTable("t_ints")
        for (index, row) in vectors.vectors.rows.enumerated() {
            #expect(try vectors.render(index, column: 0) == "\(index + 1)")
            for (column, text) in row.text.enumerated() {
                #expect(try vectors.render(index, column: column + 1) == text, "\(row.values) column \(column + 1)")
            }
        }
        // The record format's examples: MEDIUMINT min/max, BIGINT UNSIGNED max.
        let texts = vectors.vectors.rows.flatMap { $0.text.compactMap { $0 } }
        #expect(texts.contains("-8388608") && texts.contains("8388607") && texts.contains("18446744073709551615"))
    }

    @Test func bits() throws {
        let vectors = try VectorTable("t_bits")
        for (index, row) in vectors.vectors.rows.enumerated() {
            for (column, text) in row.text.enumerated() {
                #expect(try vectors.render(index, column: column + 1) == text, "BIT(\(column + 1)) row \(index)")
            }
        }
    }

    @Test(arguments: [
        "t_dec_14_4", "t_dec_10_2", "t_dec_65_30", "t_dec_4_4", "t_dec_5_0", "t_dec_1_0", "t_dec_18_9",
        "t_dec_19_10", "t_dec_30_5",
    ])
    func decimals(table: String) throws {
        try expectServerText(table, quote: true)
    }

    @Test(
        arguments: (0...6).flatMap {
            ["t_time\($0)", "t_dt\($0)", "t_ts\($0)", "t_otime\($0)", "t_odt\($0)", "t_ots\($0)"]
        }
            + ["t_date"])
    func temporal(table: String) throws {
        try expectServerText(table, quote: true)
    }

    /// YEAR as a number: 0 for the zero year (`SELECT c+0`).
    @Test func year() throws {
        try expectServerText("t_year", select: 1, quote: false)
    }

    /// FLOAT: the shortest decimal that round-trips the float32 the server stored (`CAST(c AS DOUBLE)` is its exact
    /// value); where the server's 6-digit text round-trips too, the same number (`1.1`, not `1.100000023841858`): no more significant digits than the server's.
    @Test func float() throws {
        let vectors = try VectorTable("t_float")
        for (index, row) in vectors.vectors.rows.enumerated() {
            let rendered = try vectors.render(index, column: 1)
            let exact = Float(try serverNumber(row.text[1], as: Double.self))
            #expect(Float(rendered) == exact, "\(row.values) → \(rendered)")
            if let short = row.text[0], let shortValue = Float(short), shortValue == exact {
                // The server's 6 significant digits round-trip: ours are no more.
                #expect(Self.significantDigits(rendered) <= Self.significantDigits(short), "\(rendered) vs \(short)")
            }
        }
        #expect(try vectors.render(0, column: 1) == "1.1")
    }

    /// Digits of the mantissa without leading or trailing zeros: "1.10" → 2, "9.99995e-41" → 6.
    static func significantDigits(_ text: String) -> Int {
        let mantissa = text.lowercased().split(separator: "e").first ?? ""
        let digits = mantissa.filter(\.isNumber).drop { $0 == "0" }
        return digits.reversed().drop { $0 == "0" }.count
    }

    /// DOUBLE: the server's text is the shortest round-trip form too; the same number.
    @Test func double() throws {
        let vectors = try VectorTable("t_double")
        for (index, row) in vectors.vectors.rows.enumerated() {
            let rendered = try vectors.render(index, column: 1)
            #expect(Double(rendered) == (try serverNumber(row.text[0], as: Double.self)), "\(row.values) → \(rendered)")
        }
    }

    /// ENUM: its label; `""` for the invalid value 0; the index when labels are unknown.
    @Test(arguments: ["t_enum", "t_enum300"])
    func enums(table: String) throws {
        try expectServerText(table, quote: true)
        var unlabeled = try VectorTable(table)
        unlabeled.map.columns[1].labels = nil
        for (index, row) in unlabeled.vectors.rows.enumerated() {
            let number = row.text[1] ?? ""
            #expect(try unlabeled.render(index, column: 1) == (number == "0" ? "\"\"" : number), "\(row.values)")
        }
    }

    /// SET: labels joined with ","; the bitmask number when labels are unknown (MariaDB prints `c+0` of a
    /// 64-member SET as a signed 64-bit number: the bitmask is its bit pattern).
    @Test(arguments: ["t_set", "t_set64"])
    func sets(table: String) throws {
        try expectServerText(table, quote: true)
        var unlabeled = try VectorTable(table)
        unlabeled.map.columns[1].labels = nil
        for (index, row) in unlabeled.vectors.rows.enumerated() {
            let mask = UInt64(bitPattern: try serverNumber(row.text[1], as: Int64.self))
            #expect(try unlabeled.render(index, column: 1) == "\(mask)", "\(row.values)")
        }
    }

    /// BINARY/VARBINARY/BLOB: standard base64 of what `HEX(c)` shows — BINARY(n) padded with 0x00 to n bytes although
    /// the binlog carries it with trailing zeros stripped.
    @Test(arguments: ["t_binary4", "t_binary1", "t_varbinary", "t_blob"])
    func binary(table: String) throws {
        let vectors = try VectorTable(table)
        for (index, row) in vectors.vectors.rows.enumerated() {
            let bytes = try Hex.bytes(row.text[0] ?? "")
            let expected = "\"" + Data(bytes).base64EncodedString() + "\""
            #expect(try vectors.render(index, column: 1) == expected, "\(table) \(row.values)")
        }
    }

    /// CHAR/VARCHAR/TEXT in utf8mb4 and latin1, and MariaDB's JSON (a LONGTEXT): the server's text as a JSON string.
    @Test(arguments: ["t_char10", "t_char255", "t_char100l", "t_varchar", "t_varchar300", "t_text", "t_json"])
    func text(table: String) throws {
        let vectors = try VectorTable(table)
        for (index, row) in vectors.vectors.rows.enumerated() {
            let rendered = try vectors.render(index, column: 1)
            let parsed = try JSONSerialization.jsonObject(with: Data(rendered.utf8), options: .fragmentsAllowed)
            #expect(parsed as? String == row.text[0], "\(table) \(row.values)")
        }
    }

    /// GEOMETRY: `{"srid": N, "wkb": "<base64 of the WKB>"}` with `ST_SRID(c)` and `ST_AsWKB(c)`.
    @Test func geometry() throws {
        let vectors = try VectorTable("t_geom")
        for (index, row) in vectors.vectors.rows.enumerated() {
            let srid = try serverNumber(row.text[0], as: Int.self)
            let wkb = Data(try Hex.bytes(row.text[1] ?? "")).base64EncodedString()
            #expect(try vectors.render(index, column: 1) == "{\"srid\":\(srid),\"wkb\":\"\(wkb)\"}", "\(row.values)")
        }
    }

    /// MySQL 9's VECTOR: an array of float32 numbers, shortest round-trip (INDEX.md: [1.1, 2.2, 3.3] and [1, -1, 0]).
    @Test func vector() throws {
        let info = ColumnRenderInfo(column: TableColumn(binlogType: .vector, meta: 4, nullable: false), index: 0)
        let bytes: [UInt8] = [
            0xcd, 0xcc, 0x8c, 0x3f, 0xcd, 0xcc, 0x0c, 0x40, 0x33, 0x33, 0x53, 0x40,
            0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x80, 0xbf, 0x00, 0x00, 0x00, 0x00,
        ]
        for (range, expected) in [(0..<12, [Float(1.1), 2.2, 3.3]), (12..<24, [1, -1, 0])] {
            var out = OutputBuffer()
            try ValueRenderer.append(.vector(range), info: info, bytes: bytes, into: &out)
            let parsed = try JSONSerialization.jsonObject(with: Data(out.array)) as? [Double]
            #expect(parsed?.map { Float($0) } == expected)
            // Shortest round-trip: "1.1", not "1.100000023841858".
            #expect(!String(decoding: out.array, as: UTF8.self).contains("0000"))
        }
        #expect(throws: DecodeError.self) {
            var bad = OutputBuffer()
            try ValueRenderer.append(.vector(0..<5), info: info, bytes: bytes, into: &bad)
        }
    }

    @Test func nullsAndDamagedValues() throws {
        let info = ColumnRenderInfo(column: TableColumn(binlogType: .geometry, meta: 4, nullable: true), index: 0)
        var out = OutputBuffer()
        try ValueRenderer.append(.null, info: info, bytes: [], into: &out)
        #expect(String(decoding: out.array, as: UTF8.self) == "null")
        #expect(throws: DecodeError.self) {
            var bad = OutputBuffer()
            try ValueRenderer.append(.geometry(0..<3), info: info, bytes: [1, 2, 3], into: &bad)
        }
    }
}
