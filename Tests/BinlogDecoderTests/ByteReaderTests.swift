import BinlogDecoder
import Testing

/// The bounds-checked cursor every decoder reads through. Expected values follow from the wire formats themselves:
/// little-endian fixed-width integers, and MySQL's length-encoded integer (protocol documentation,
/// "Protocol::LengthEncodedInteger": < 0xfb is the value, 0xfc + 2 bytes, 0xfd + 3 bytes, 0xfe + 8 bytes;
/// 0xfb is NULL in the text protocol and 0xff an error packet's first byte).
@Suite struct ByteReaderTests {
    /// Every read at (or too close to) the end throws `.truncated` and leaves the cursor where it was.
    @Test func everyReadAtTheEndThrowsTruncatedWithoutMoving() {
        typealias Read = (inout ByteReader) throws(DecodeError) -> Void
        let reads: [(String, Int, Read)] = [
            ("readUInt8", 1, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readUInt8() }),
            ("readUInt16LE", 2, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readUInt16LE() }),
            ("readUInt32LE", 4, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readUInt32LE() }),
            ("readUInt64LE", 8, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readUInt64LE() }),
            ("readLE(3)", 3, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readLE(3) }),
            ("readLE(6)", 6, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readLE(6) }),
            ("readBE(5)", 5, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readBE(5) }),
            ("readBE(8)", 8, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readBE(8) }),
            ("readRange(7)", 7, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readRange(7) }),
            ("readArray(3)", 3, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readArray(3) }),
            ("readString(2)", 2, { (r: inout ByteReader) throws(DecodeError) in _ = try r.readString(2) }),
            ("skip(4)", 4, { (r: inout ByteReader) throws(DecodeError) in try r.skip(4) }),
        ]
        for (name, width, read) in reads {
            // From 0 up to width - 1 bytes left, at the start and after a consumed prefix.
            for left in 0..<width {
                for prefix in [0, 3] {
                    let bytes = [UInt8](repeating: 0xab, count: prefix + left)
                    var reader = ByteReader(bytes)
                    reader.position = prefix
                    do {
                        try read(&reader)
                        Issue.record("\(name) with \(left) bytes left did not throw")
                    } catch {
                        #expect(error.code == .truncated, "\(name)")
                    }
                    #expect(reader.position == prefix, "\(name) moved the cursor with \(left) bytes left")
                }
            }
        }
    }

    /// A reader over a sub-range stops at the range's end even when the array goes on.
    @Test func rangeEndIsTheLimit() throws {
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6]
        var reader = ByteReader(bytes, range: 1..<3)
        #expect(reader.remaining == 2)
        #expect(try reader.readUInt8() == 2)
        #expect(throws: DecodeError.self) { try reader.readUInt16LE() }
        #expect(reader.position == 2)
        #expect(try reader.readUInt8() == 3)
        #expect(reader.isAtEnd)
        #expect(reader.peekUInt8() == nil)
    }

    @Test func rangesAreClampedToTheArray() {
        let bytes: [UInt8] = [1, 2, 3]
        let past = ByteReader(bytes, range: 2..<100)
        #expect(past.position == 2 && past.end == 3)
        let beyond = ByteReader(bytes, range: 10..<20)
        #expect(beyond.position == 3 && beyond.end == 3 && beyond.isAtEnd)
        let empty = ByteReader([], range: 0..<5)
        #expect(empty.remaining == 0)
    }

    @Test func negativeCountsAreRejected() {
        var reader = ByteReader([1, 2, 3])
        #expect(throws: DecodeError.self) { try reader.readRange(-1) }
        #expect(throws: DecodeError.self) { try reader.skip(-2) }
        #expect(reader.position == 0)
    }

    @Test func littleAndBigEndian() throws {
        let bytes: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]
        for width in 1...8 {
            var little = ByteReader(bytes)
            var big = ByteReader(bytes)
            var expectedLittle: UInt64 = 0
            var expectedBig: UInt64 = 0
            for index in 0..<width {
                expectedLittle |= UInt64(bytes[index]) << UInt64(8 * index)
                expectedBig = expectedBig << 8 | UInt64(bytes[index])
            }
            #expect(try little.readLE(width) == expectedLittle, "LE width \(width)")
            #expect(try big.readBE(width) == expectedBig, "BE width \(width)")
            #expect(little.position == width && big.position == width)
        }
        var reader = ByteReader([0xff, 0xfe, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12])
        #expect(try reader.readUInt16LE() == 0xfeff)
        #expect(try reader.readUInt16LE() == 0x1234)
        #expect(try reader.readUInt32LE() == 0x1234_5678)
        var wide = ByteReader([0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01])
        #expect(try wide.readUInt64LE() == 0x0123_4567_89ab_cdef)
    }

    @Test func packedIntegerWidths() throws {
        var reader = ByteReader([
            0x00,
            0xfa,
            0xfc, 0xfb, 0x00,
            0xfc, 0xff, 0xff,
            0xfd, 0x00, 0x00, 0x01,
            0xfd, 0xff, 0xff, 0xff,
            0xfe, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
            0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ])
        #expect(try reader.readPackedInt() == 0)
        #expect(try reader.readPackedInt() == 250)
        #expect(try reader.readPackedInt() == 251)
        #expect(try reader.readPackedInt() == 0xffff)
        #expect(try reader.readPackedInt() == 0x01_0000)
        #expect(try reader.readPackedInt() == 0xff_ffff)
        #expect(try reader.readPackedInt() == 0x0807_0605_0403_0201)
        #expect(try reader.readPackedInt() == UInt64.max)
        #expect(reader.isAtEnd)
    }

    @Test(arguments: [UInt8(0xfb), 0xff])
    func packedIntegerPrefixesThatAreNotLengths(prefix: UInt8) {
        var reader = ByteReader([prefix, 0, 0, 0, 0, 0, 0, 0, 0])
        do {
            _ = try reader.readPackedInt()
            Issue.record("prefix \(prefix) accepted")
        } catch {
            #expect(error.code == .malformed)
        }
        #expect(reader.position == 0)
    }

    /// A length prefix whose value bytes are cut off: truncated, and the prefix byte is not consumed either.
    @Test(arguments: [[UInt8(0xfc)], [0xfc, 0x01], [0xfd, 0x01, 0x02], [0xfe, 1, 2, 3, 4, 5, 6, 7]])
    func packedIntegerCutOff(bytes: [UInt8]) {
        var reader = ByteReader(bytes)
        do {
            _ = try reader.readPackedInt()
            Issue.record("\(bytes) accepted")
        } catch {
            #expect(error.code == .truncated)
        }
        #expect(reader.position == 0)
    }

    @Test func packedLengthMustFitWhatIsLeft() throws {
        // 3 announced, 3 there.
        var fits = ByteReader([0x03, 0xaa, 0xbb, 0xcc])
        #expect(try fits.readPackedLength() == 3)
        #expect(fits.position == 1)
        // 4 announced, 3 there.
        var short = ByteReader([0x04, 0xaa, 0xbb, 0xcc])
        #expect(throws: DecodeError.self) { try short.readPackedLength() }
        #expect(short.position == 0)
        // An 8-byte length of 2^64 - 1: malformed, not an overflowing Int.
        var huge = ByteReader([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        do {
            _ = try huge.readPackedLength()
            Issue.record("2^64-1 accepted as a length")
        } catch {
            #expect(error.code == .malformed)
        }
        #expect(huge.position == 0)
        // The bound is the reader's end, not the array's.
        var bounded = ByteReader([0x02, 0xaa, 0xbb, 0xcc], range: 0..<2)
        #expect(throws: DecodeError.self) { try bounded.readPackedLength() }
    }

    @Test func rangesArraysAndStrings() throws {
        let bytes: [UInt8] = [0x68, 0x69, 0xff, 0x21, 0x00]
        var reader = ByteReader(bytes)
        #expect(try reader.readRange(2) == 0..<2)
        #expect(reader.peekUInt8() == 0xff)
        var copy = reader
        #expect(try copy.readArray(2) == [0xff, 0x21])
        // Invalid UTF-8 becomes U+FFFD.
        #expect(try reader.readString(2) == "\u{FFFD}!")
        #expect(reader.readRest() == 4..<5)
        #expect(reader.isAtEnd)
        #expect(reader.readRest() == 5..<5)
        #expect(try reader.readRange(0) == 5..<5)
    }
}
