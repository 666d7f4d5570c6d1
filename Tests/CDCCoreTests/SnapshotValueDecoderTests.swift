import BinlogDecoder
import Glibc
import Testing

@testable import CDCCore

/// SQL text → `ColumnValue`: the values the binlog decoder would produce for the same stored values.
@Suite struct SnapshotValueDecoderTests {
    func decode(_ kind: SnapshotTable.Kind, _ text: String) throws(CDCError) -> (ColumnValue, [UInt8]) {
        var bytes = Array(text.utf8)
        let value = try SnapshotValueDecoder.value(kind, 0..<bytes.count, in: &bytes, column: "t.c")
        return (value, bytes)
    }

    @Test(
        "DECIMAL text becomes the binary DECIMAL that renders back to the same text",
        arguments: [
            ("0", 10, 0), ("-999.99", 5, 2), ("0.9999", 4, 4), ("-0.0001", 4, 4), ("12.50", 10, 2),
            ("99999999999999999999999999999999999.999999999999999999999999999999", 65, 30),
            ("-12345678901234567890123456789012345.123456789012345678901234567890", 65, 30),
            (String(repeating: "9", count: 65), 65, 0), ("-1234567890123456789012345678.0123456789", 38, 10),
            ("7.000000000", 18, 9), ("100", 10, 0),
        ])
    func decimalRoundTrip(text: String, precision: Int, scale: Int) throws {
        let (value, bytes) = try decode(.decimal(precision: UInt8(precision), scale: UInt8(scale)), text)
        guard case .decimal(let range, _, _) = value else {
            Issue.record("not a decimal: \(value)")
            return
        }
        #expect(range.count == DecimalFormat.binarySize(precision: precision, scale: scale))
        var rendered: [UInt8] = []
        DecimalFormat.render(bytes, range, precision: precision, scale: scale, into: &rendered)
        #expect(String(decoding: rendered, as: UTF8.self) == text)
    }

    /// strtod's double for `text`, nil when it does not parse as a whole.
    static func strtodValue(_ text: String) -> Double? {
        text.withCString { base -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(base, &end)
            guard let end, end == UnsafeMutablePointer(mutating: base) + text.utf8.count else { return nil }
            return value
        }
    }

    @Test("DOUBLE text: the exact fast path gives strtod's double bit for bit, and leaves the rest to strtod")
    func doubleFastPathEqualsStrtod() {
        var random = SeededRandom(seed: 0x5eed_d0b1e)
        var texts = [
            "0", "-0", "1", "1.", ".5", "0.1", "-0.142857142", "123456789012345", "1234567890123456", "1e22", "1e23",
            "1e-22", "1e-23", "9.99999999999999e22", "0.000000000000000000001", "5e-324", "1.7976931348623157e308",
            "3.4028234663852886e38", "1E5", "1e+5", "1e-5", "2.5E-3", "100000000000000000000000", "-12.5e1",
        ]
        for _ in 0..<20000 {
            let digits = Int.random(in: 1...17, using: &random)
            var text = random.next() & 1 == 0 ? "-" : ""
            for _ in 0..<digits { text += String(Int.random(in: 0...9, using: &random)) }
            if random.next() % 3 != 0 {
                let point = Int.random(in: 0...text.count, using: &random)
                text.insert(".", at: text.index(text.startIndex, offsetBy: point))
            }
            if random.next() % 4 == 0 { text += "e\(Int.random(in: -30...30, using: &random))" }
            texts.append(text)
        }
        var mismatches: [String] = []
        var fast = 0
        for text in texts {
            let bytes = Array(text.utf8)
            let expected = Self.strtodValue(text)
            let quick = SnapshotValueDecoder.exactDouble(bytes, 0..<bytes.count)
            if quick != nil { fast += 1 }
            if let quick, quick.bitPattern != expected?.bitPattern { mismatches.append(text) }
            let full = SnapshotValueDecoder.double(bytes, 0..<bytes.count)
            if full?.bitPattern != expected?.bitPattern { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        #expect(fast > texts.count / 3)  // the fast path is taken for most short numbers
    }

    @Test("temporal text: dates, fractions, negative and large times, zero and epoch timestamps")
    func temporal() throws {
        #expect(try decode(.date, "2024-02-29").0 == .date(year: 2024, month: 2, day: 29))
        #expect(try decode(.date, "0000-00-00").0 == .date(year: 0, month: 0, day: 0))
        #expect(
            try decode(.dateTime(fsp: 3), "1999-12-31 23:59:59.120").0
                == .dateTime(
                    DateTimeValue(
                        year: 1999, month: 12, day: 31, hour: 23, minute: 59, second: 59, microseconds: 120_000, fsp: 3)
                ))
        #expect(
            try decode(.time(fsp: 2), "-838:59:59.00").0
                == .time(TimeValue(negative: true, hours: 838, minutes: 59, seconds: 59, microseconds: 0, fsp: 2)))
        #expect(
            try decode(.time(fsp: 6), "-00:00:01.000001").0
                == .time(TimeValue(negative: true, hours: 0, minutes: 0, seconds: 1, microseconds: 1, fsp: 6)))
        #expect(
            try decode(.timestamp(fsp: 0), "1970-01-01 00:00:01").0 == .timestamp(seconds: 1, microseconds: 0, fsp: 0))
        #expect(
            try decode(.timestamp(fsp: 6), "2038-01-19 03:14:07.999999").0
                == .timestamp(seconds: 2_147_483_647, microseconds: 999_999, fsp: 6))
        #expect(
            try decode(.timestamp(fsp: 2), "0000-00-00 00:00:00.00").0
                == .timestamp(seconds: 0, microseconds: 0, fsp: 2))
    }

    @Test("numbers: limits, FLOAT from its exact double, 64-bit BIT/SET returned signed")
    func numbers() throws {
        #expect(try decode(.signed, "-9223372036854775808").0 == .int(Int64.min))
        #expect(try decode(.unsigned, "18446744073709551615").0 == .uint(UInt64.max))
        #expect(try decode(.float, "1.0000001192092896").0 == .float(Float(1.0000001)))
        #expect(try decode(.double, "5e-324").0 == .double(5e-324))
        #expect(try decode(.setBits, "-9223372036854775807").0 == .setBits(0x8000_0000_0000_0001))
        #expect(try decode(.bit, "18446744073709551615").0 == .bit(UInt64.max))
        #expect(try decode(.year, "0000").0 == .year(0))
        #expect(try decode(.enumIndex, "300").0 == .enumIndex(300))
    }

    @Test(
        "text that is not the column's type is an error naming the column",
        arguments: [
            (SnapshotTable.Kind.signed, "12a"), (.unsigned, "-1"), (.double, "1.5x"),
            (.decimal(precision: 5, scale: 2), "1234.5"),
            (.date, "2024-1-01"), (.time(fsp: 0), "12:00"), (.timestamp(fsp: 0), "2200-01-01 00:00:00"),
            (.signed, "99999999999999999999"),
        ])
    func malformed(kind: SnapshotTable.Kind, text: String) {
        #expect(throws: CDCError.self) { try decode(kind, text) }
        do {
            _ = try decode(kind, text)
        } catch {
            #expect(error.message.contains("t.c"))
        }
    }
}
