import Testing

@testable import CDCCore

/// The Avro specification's examples of the binary encoding, and the decimal logical type's two's complement.
@Suite struct AvroBinaryWriterTests {
    func encoded(_ body: (inout OutputBuffer) -> Void) -> [UInt8] {
        var out = OutputBuffer(capacity: 64)
        body(&out)
        return out.array
    }

    /// The specification's zigzag table (0 → 00, -1 → 01, 1 → 02, -2 → 03, 2 → 04, -64 → 7f, 64 → 80 01), and the
    /// extremes of a long (10 bytes).
    @Test func zigzagVarints() {
        let cases: [(Int64, [UInt8])] = [
            (0, [0x00]), (-1, [0x01]), (1, [0x02]), (-2, [0x03]), (2, [0x04]), (-64, [0x7f]), (64, [0x80, 0x01]),
            (Int64.max, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            (Int64.min, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        ]
        for (value, bytes) in cases {
            #expect(encoded { AvroBinaryWriter.appendLong(value, into: &$0) } == bytes, "\(value)")
        }
    }

    /// The specification's string example: "foo" is 06 66 6f 6f; BINARY padding adds zero bytes after the data.
    @Test func stringsAndBytes() {
        #expect(encoded { AvroBinaryWriter.appendString("foo", into: &$0) } == [0x06, 0x66, 0x6f, 0x6f])
        let padded = encoded { out in
            [UInt8]([0xab]).withUnsafeBytes { AvroBinaryWriter.appendBytes($0, padTo: 3, into: &out) }
        }
        #expect(padded == [0x06, 0xab, 0, 0])
    }

    @Test func floatsAreLittleEndian() {
        #expect(encoded { AvroBinaryWriter.appendFloat(1.5, into: &$0) } == [0x00, 0x00, 0xc0, 0x3f])
        #expect(
            encoded { AvroBinaryWriter.appendDouble(-2.25, into: &$0) } == [0, 0, 0, 0, 0, 0, 0x02, 0xc0])
    }

    @Test func confluentHeader() {
        #expect(encoded { AvroBinaryWriter.appendConfluentHeader(schemaID: 258, into: &$0) } == [0, 0, 0, 1, 2])
    }

    /// Java's `BigInteger.toByteArray` bytes: the fewest that keep the sign.
    @Test func decimalTwosComplement() {
        func decimal(_ text: String) -> [UInt8] {
            Array(text.utf8).withUnsafeBufferPointer { TwosComplement.bytes(decimalText: $0) }
        }
        #expect(decimal("0.00") == [0x00])
        #expect(decimal("1.27") == [0x7f])
        #expect(decimal("1.28") == [0x00, 0x80])
        #expect(decimal("-1.28") == [0x80])
        #expect(decimal("-1.29") == [0xff, 0x7f])
        #expect(decimal("-12.50") == [0xfb, 0x1e])  // -1250
        #expect(decimal("65535") == [0x00, 0xff, 0xff])
        // 10^30: 0x0c9f2c9cd04674edea40000000
        #expect(
            decimal("1000000000000000000000000000000") == [
                0x0c, 0x9f, 0x2c, 0x9c, 0xd0, 0x46, 0x74, 0xed, 0xea, 0x40, 0x00, 0x00, 0x00,
            ])
        #expect(TwosComplement.bytes(UInt64.max) == [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        #expect(TwosComplement.bytes(Int64.min) == [0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(TwosComplement.bytes(Int64(-1)) == [0xff])
    }

    /// Dates before the epoch and at the ends of MySQL's range.
    @Test func civilDays() {
        #expect(CivilDays.since1970(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilDays.since1970(year: 1969, month: 12, day: 31) == -1)
        #expect(CivilDays.since1970(year: 2024, month: 2, day: 29) == 19782)
        #expect(CivilDays.since1970(year: 1000, month: 1, day: 1) == -354_285)
        #expect(CivilDays.since1970(year: 9999, month: 12, day: 31) == 2_932_896)
    }

    @Test func unescapesJSONStringContents() {
        #expect(
            UTF8Text.unescape(Array(#"a\"b\\c\n\u0001\u00e9\ud83d\ude00"#.utf8)[...]) == Array("a\"b\\c\n\u{1}é😀".utf8))
        #expect(UTF8Text.unescape(Array(#"\ud83d"#.utf8)[...]) == Array("\u{FFFD}".utf8))
    }
}
