import BinlogDecoder
import TestSupport
import Testing

/// MySQL's binary DECIMAL: sizes, and the exact text of values a real MariaDB wrote (MariaDBRowVectors).
@Suite struct DecimalFormatTests {
    /// The worked example of MySQL's strings/decimal.c (`decimal2bin`): 1234567890.1234 as DECIMAL(14,4) is
    /// `81 0D FB 38 D2 04 D2`, and its negation `7E F2 04 C7 2D FB 2D`. The throwaway MariaDB wrote the same bytes.
    @Test func mysqlWorkedExample() throws {
        let positive: [UInt8] = [0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2]
        let negative: [UInt8] = [0x7e, 0xf2, 0x04, 0xc7, 0x2d, 0xfb, 0x2d]
        #expect(DecimalFormat.binarySize(precision: 14, scale: 4) == 7)
        #expect(Self.render(positive, 14, 4) == "1234567890.1234")
        #expect(Self.render(negative, 14, 4) == "-1234567890.1234")
        let table = try #require(MariaDBRowVectors.table("t_dec_14_4"))
        #expect(try Hex.bytes(table.rows[0].image).suffix(7) == positive[...])
        #expect(try Hex.bytes(table.rows[1].image).suffix(7) == negative[...])
    }

    /// dig2bytes = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4}: 4 bytes per 9 digits plus the leftover digits' bytes, integer and
    /// fraction parts separately (decimal.c `decimal_bin_size`).
    @Test(arguments: [
        (1, 0, 1), (4, 4, 2), (5, 0, 3), (9, 0, 4), (10, 0, 5), (10, 2, 5), (14, 4, 7), (18, 9, 8), (19, 10, 9),
        (30, 5, 15), (65, 30, 30), (65, 0, 29), (38, 10, 18),
    ])
    func binarySize(precision: Int, scale: Int, bytes: Int) {
        #expect(DecimalFormat.binarySize(precision: precision, scale: scale) == bytes)
    }

    static let tables = [
        "t_dec_14_4", "t_dec_10_2", "t_dec_65_30", "t_dec_4_4", "t_dec_5_0", "t_dec_1_0",
        "t_dec_18_9", "t_dec_19_10", "t_dec_30_5",
    ]

    /// Every DECIMAL the server wrote renders as the server's SELECT text: exactly `scale` fraction digits, no
    /// leading zeros, "0.00" for zero, "0.1234" for DECIMAL(4,4), negative numbers with "-".
    @Test(arguments: tables)
    func serverText(table: String) throws {
        let vectors = try VectorTable(table)
        for (index, row) in vectors.vectors.rows.enumerated() {
            let text = try #require(row.text[0] ?? nil)
            let (values, bytes) = try vectors.decode(index)
            guard case .decimal(let range, let precision, let scale) = values[1] else {
                Issue.record("\(table): not a decimal: \(values[1])")
                continue
            }
            var out: [UInt8] = []
            DecimalFormat.render(bytes, range, precision: Int(precision), scale: Int(scale), into: &out)
            #expect(String(decoding: out, as: UTF8.self) == text, "\(table) \(row.values)")
        }
    }

    @Test func namedEdgeCases() throws {
        let texts = try Self.tables.flatMap { name in
            try #require(MariaDBRowVectors.table(name)).rows.compactMap { $0.text[0] ?? nil }
        }
        for text in [
            "0.1234", "-0.1234", "0.00", "0.0000", "-12.50", "-0.01", "0",
            "99999999999999999999999999999999999.999999999999999999999999999999",
            "-1.000000000000000000000000000001",
        ] {
            #expect(texts.contains(text), "\(text)")
        }
    }

    static func render(_ bytes: [UInt8], _ precision: Int, _ scale: Int) -> String {
        var out: [UInt8] = []
        DecimalFormat.render(bytes, 0..<bytes.count, precision: precision, scale: scale, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// What no server writes: a size that does not match, impossible precision/scale, and a negative zero.
    @Test func hostileInput() {
        #expect(Self.render([0x80, 0x00], 14, 4) == "0")  // wrong size for DECIMAL(14,4)
        #expect(Self.render([], 1, 0) == "0")
        #expect(Self.render([0x80], 0, 0) == "0")
        #expect(Self.render([0x80], 1, 2) == "0")  // scale > precision
        #expect(Self.render([0x80], 1, -1) == "0")
        // Negative zero (sign bit clear, all digit bits set): rendered without the sign.
        #expect(Self.render([0x7f, 0xff, 0xff, 0xff, 0xff], 10, 2) == "0.00")
        // Digit groups above 999999999 (impossible in a real value) still render within the buffer.
        let big = [UInt8](repeating: 0xff, count: 30)
        #expect(Self.render(big, 65, 30).utf8.count <= DecimalFormat.maxTextLength)
    }
}
