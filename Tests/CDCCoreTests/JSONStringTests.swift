import Testing

@testable import CDCCore

/// The JSON text `JSONString.append` makes of `bytes` in `charset`.
private func json(_ bytes: [UInt8], _ charset: Charset) -> String {
    var out: [UInt8] = []
    bytes.withUnsafeBytes { JSONString.append($0, charset: charset, into: &out) }
    return String(decoding: out, as: UTF8.self)
}

/// The JSON text `JSONString.append` makes of `bytes` in `charset` when writing into an `OutputBuffer`.
private func jsonInBuffer(_ bytes: [UInt8], _ charset: Charset) -> String {
    var out = OutputBuffer(capacity: 64)
    bytes.withUnsafeBytes { JSONString.append($0, charset: charset, into: &out) }
    return String(decoding: out.array, as: UTF8.self)
}

/// The JSON text `JSONString.appendUTF8` makes of `bytes`.
private func jsonUTF8(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    bytes.withUnsafeBytes { JSONString.appendUTF8($0, into: &out) }
    return String(decoding: out, as: UTF8.self)
}

/// The JSON text of a Swift string.
private func json(_ text: String) -> String {
    var out: [UInt8] = []
    JSONString.append(text, into: &out)
    return String(decoding: out, as: UTF8.self)
}

private func bytes(hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var high: UInt8? = nil
    for character in hex.utf8 {
        let nibble: UInt8
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
        default: continue
        }
        if let value = high {
            result.append(value << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    return result
}

/// A small deterministic generator, so failures reproduce.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random bytes, biased towards bytes that start or continue multi-byte sequences.
private func randomBytes(_ count: Int, using generator: inout SplitMix64) -> [UInt8] {
    let interesting: [UInt8] = [
        0x00, 0x0A, 0x22, 0x5C, 0x7E, 0x7F, 0x80, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF,
        0xF0, 0xF4, 0xF5, 0xFF, 0x8E, 0x8F, 0x81, 0x30, 0x39, 0x40, 0xA1, 0xFE, 0xD8, 0xDC,
    ]
    return (0..<count).map { _ in
        Bool.random(using: &generator)
            ? interesting[Int.random(in: 0..<interesting.count, using: &generator)]
            : UInt8.random(in: 0...255, using: &generator)
    }
}

@Suite struct JSONStringTests {
    // MARK: Escaping

    @Test func escapesEveryControlCharacter() {
        let named: [UInt8: String] = [0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"]
        for byte in UInt8(0)..<0x20 {
            let hexDigits = Array("0123456789abcdef")
            let expected = named[byte] ?? "\\u00\(hexDigits[Int(byte >> 4)])\(hexDigits[Int(byte & 0xF)])"
            #expect(jsonUTF8([0x61, byte, 0x62]) == "\"a\(expected)b\"", "byte \(byte)")
            #expect(json([byte], .latin1) == "\"\(expected)\"", "latin1 byte \(byte)")
            #expect(json([0, byte], Charset.named("ucs2") ?? .binary) == "\"\(expected)\"", "ucs2 \(byte)")
        }
    }

    @Test func escapesQuoteAndBackslashOnly() {
        #expect(json("say \"hi\" \\ bye") == #""say \"hi\" \\ bye""#)
        #expect(json("/ ' < > & \u{7F}") == "\"/ ' < > & \u{7F}\"")
        #expect(json("\u{2028}\u{2029}") == "\"\u{2028}\u{2029}\"")
        #expect(json("") == "\"\"")
        #expect(json("emoji 😀 ünïcödé") == "\"emoji 😀 ünïcödé\"")
    }

    @Test func appendsAfterExistingBytes() {
        var out = Array("{\"a\":".utf8)
        JSONString.append("x\ny", into: &out)
        out.append(UInt8(ascii: "}"))
        #expect(String(decoding: out, as: UTF8.self) == "{\"a\":\"x\\ny\"}")
    }

    // MARK: UTF-8

    @Test func invalidUTF8BecomesReplacementCharacters() {
        let cases: [([UInt8], String)] = [
            ([0x61, 0x80, 0x62], "a\u{FFFD}b"),  // lone continuation byte
            ([0xBF, 0x80], "\u{FFFD}\u{FFFD}"),  // two lone continuation bytes
            ([0xC0, 0xAF], "\u{FFFD}\u{FFFD}"),  // overlong '/'
            ([0xC1, 0xBF], "\u{FFFD}\u{FFFD}"),  // overlong
            ([0xE0, 0x80, 0xAF], "\u{FFFD}\u{FFFD}\u{FFFD}"),  // overlong 3-byte '/'
            ([0xF0, 0x80, 0x80, 0xAF], "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),  // overlong 4-byte
            ([0xED, 0xA0, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}"),  // surrogate U+D800 encoded in UTF-8
            ([0xED, 0xBF, 0xBF], "\u{FFFD}\u{FFFD}\u{FFFD}"),  // surrogate U+DFFF
            ([0xF0, 0x9F, 0x98], "\u{FFFD}"),  // truncated 4-byte sequence at the end
            ([0xF0, 0x9F, 0x98, 0x41], "\u{FFFD}A"),  // truncated 4-byte sequence before ASCII
            ([0xE2, 0x82], "\u{FFFD}"),  // truncated 3-byte sequence
            ([0xC3], "\u{FFFD}"),  // truncated 2-byte sequence
            ([0xF4, 0x90, 0x80, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),  // above U+10FFFF
            ([0xF5, 0x80], "\u{FFFD}\u{FFFD}"),
            ([0xFE, 0xFF], "\u{FFFD}\u{FFFD}"),
            ([0xF0, 0x9F, 0x98, 0x80], "😀"),
            ([0xEF, 0xBF, 0xBD], "\u{FFFD}"),  // a real U+FFFD stays
            ([0xE2, 0x80, 0xA8, 0x22], "\u{2028}\\\""),
        ]
        for (input, expected) in cases {
            #expect(jsonUTF8(input) == "\"\(expected)\"", "\(input)")
            #expect(json(input, .utf8mb4) == "\"\(expected)\"", "\(input)")
        }
    }

    /// Random bytes: the result is what Swift's own UTF-8 repair (one U+FFFD per maximal invalid subpart) gives.
    @Test func randomUTF8MatchesSwiftDecoding() {
        var generator = SplitMix64(state: 1)
        for _ in 0..<3000 {
            let input = randomBytes(Int.random(in: 0...24, using: &generator), using: &generator)
            let expected = json(String(decoding: input, as: UTF8.self))
            #expect(jsonUTF8(input) == expected, "\(input)")
        }
    }

    /// The word-at-a-time ASCII scan must stop exactly at a byte that needs work, wherever it sits in a word.
    @Test func wordScanFindsEverySpecialByte() {
        let specials: [[UInt8]] = [[0x00], [0x1F], [0x22], [0x5C], [0x80], [0xC3, 0xA9], [0xF0, 0x9F, 0x98, 0x80]]
        let plainNeighbours: [UInt8] = [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F]
        for length in 0..<40 {
            for position in 0...length {
                for special in specials {
                    var input = (0..<length).map { plainNeighbours[$0 % plainNeighbours.count] }
                    input.insert(contentsOf: special, at: position)
                    let expected = json(String(decoding: input, as: UTF8.self))
                    #expect(jsonUTF8(input) == expected, "\(input)")
                    #expect(json(input, .latin1).count >= 2)
                }
            }
        }
        // latin1 goes through the same scan.
        for position in 0..<20 {
            var input = [UInt8](repeating: 0x61, count: 20)
            input[position] = 0xE9
            #expect(
                json(input, .latin1) == "\"" + String(repeating: "a", count: position) + "é"
                    + String(repeating: "a", count: 19 - position) + "\"")
        }
    }

    @Test func longMostlyASCIIText() {
        let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 200) + "Ünïcödé \"q\"\n"
        #expect(jsonUTF8(Array(text.utf8)) == json(text))
        #expect(json(Array(text.utf8), .utf8mb3) == json(text))
    }

    // MARK: Real values from the server

    /// Every vector: the server's bytes for a text in a character set convert back to that text.
    @Test func serverVectors() {
        #expect(MariaDBCharsetVectors.vectors.count > 250)
        var seen: Set<String> = []
        for vector in MariaDBCharsetVectors.vectors {
            guard let charset = Charset.named(vector.charset) else {
                Issue.record("unknown charset \(vector.charset)")
                continue
            }
            seen.insert(vector.charset)
            #expect(json(bytes(hex: vector.hex), charset) == json(vector.text), "\(vector.charset): \(vector.text)")
        }
        // Every character set but binary has vectors.
        for id in CharsetID.allCases where id != .binary {
            #expect(seen.contains(id.name), "no vectors for \(id.name)")
        }
    }

    /// `OutputBuffer` and `[UInt8]` get the same bytes, also across the buffer's growth.
    @Test func outputBufferMatchesArray() {
        for vector in MariaDBCharsetVectors.vectors {
            guard let charset = Charset.named(vector.charset) else { continue }
            let input = bytes(hex: vector.hex)
            #expect(jsonInBuffer(input, charset) == json(input, charset), "\(vector.charset): \(vector.text)")
        }
        var buffer = OutputBuffer(capacity: 64)
        var array: [UInt8] = []
        for round in 0..<300 {
            let text = "row \(round): \"Größe\"\t日本語 😀 \\ end"
            JSONString.append(text, into: &buffer)
            JSONString.append(text, into: &array)
            let utf8 = Array(text.utf8)
            utf8.withUnsafeBytes { raw in
                JSONString.appendUTF8(raw, into: &buffer)
                JSONString.appendUTF8(raw, into: &array)
            }
        }
        #expect(buffer.array == array)
    }

    // MARK: One-byte character sets

    @Test func latin1IsMySQLsCP1252() {
        #expect(json([0x80, 0x8A, 0x99, 0x9F, 0xA0, 0xE9, 0xFF], .latin1) == "\"€Š™Ÿ\u{A0}éÿ\"")
        // cp1252 leaves these five undefined; MySQL maps them to the C1 controls of the same value.
        #expect(json([0x81, 0x8D, 0x8F, 0x90, 0x9D], .latin1) == "\"\u{81}\u{8D}\u{8F}\u{90}\u{9D}\"")
    }

    @Test func binaryIsReadAsLatin1() {
        #expect(json([0x00, 0x41, 0x80, 0xFF], .binary) == "\"\\u0000A€ÿ\"")
    }

    @Test func unmappedSingleBytesBecomeReplacementCharacters() {
        #expect(json([0x41, 0x80, 0xFF], Charset.named("ascii") ?? .binary) == "\"A\u{FFFD}\u{FFFD}\"")
        #expect(json([0xA0, 0xA1], Charset.named("tis620") ?? .binary) == "\"\u{FFFD}ก\"")
        // swe7 is 7-bit: '[' is Ä, '@' is É, and bytes 0x80 and up have no character.
        #expect(json([0x5B, 0x40, 0x41, 0x80], Charset.named("swe7") ?? .binary) == "\"ÄÉA\u{FFFD}\"")
    }

    @Test func everySingleByteCharsetAlwaysGivesValidJSON() {
        let all = (0...255).map { UInt8($0) }
        for id in CharsetID.allCases {
            let output = json(all, Charset(id))
            #expect(output.hasPrefix("\"") && output.hasSuffix("\""), "\(id.name)")
        }
    }

    // MARK: UCS-2, UTF-16, UTF-32

    @Test func utf16AndUTF32() {
        let ucs2 = Charset.named("ucs2") ?? .binary
        let utf16 = Charset.named("utf16") ?? .binary
        let utf16le = Charset.named("utf16le") ?? .binary
        let utf32 = Charset.named("utf32") ?? .binary
        #expect(json([0x00, 0x41, 0x04, 0x16], ucs2) == "\"AЖ\"")
        #expect(json([0xD8, 0x3D, 0xDE, 0x00], utf16) == "\"😀\"")
        #expect(json([0x3D, 0xD8, 0x00, 0xDE], utf16le) == "\"😀\"")
        #expect(json([0x00, 0x01, 0xF6, 0x00], utf32) == "\"😀\"")
        // Lone surrogates, reversed pairs, odd lengths, values above U+10FFFF.
        #expect(json([0xD8, 0x3D, 0x00, 0x41], utf16) == "\"\u{FFFD}A\"")
        #expect(json([0xDE, 0x00, 0xD8, 0x3D], utf16) == "\"\u{FFFD}\u{FFFD}\"")
        #expect(json([0x00, 0x41, 0x00], utf16) == "\"A\u{FFFD}\"")
        #expect(json([0xD8, 0x3D, 0xDE, 0x00], ucs2) == "\"\u{FFFD}\u{FFFD}\"")
        #expect(json([0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0xD8, 0x00, 0x00], utf32) == "\"\u{FFFD}\u{FFFD}\u{FFFD}\"")
    }

    /// Random UTF-16: the result is what Swift's own UTF-16 repair gives.
    @Test func randomUTF16MatchesSwiftDecoding() {
        var generator = SplitMix64(state: 2)
        let utf16 = Charset.named("utf16") ?? .binary
        let utf16le = Charset.named("utf16le") ?? .binary
        for _ in 0..<2000 {
            let input = randomBytes(2 * Int.random(in: 0...12, using: &generator), using: &generator)
            var big: [UInt16] = []
            var little: [UInt16] = []
            for index in stride(from: 0, to: input.count, by: 2) {
                big.append(UInt16(input[index]) << 8 | UInt16(input[index + 1]))
                little.append(UInt16(input[index + 1]) << 8 | UInt16(input[index]))
            }
            #expect(json(input, utf16) == json(String(decoding: big, as: UTF16.self)), "\(input)")
            #expect(json(input, utf16le) == json(String(decoding: little, as: UTF16.self)), "\(input)")
        }
    }

    // MARK: East Asian character sets through iconv

    @Test func sjisKeepsASCIIBackslashAndTilde() {
        let sjis = Charset.named("sjis") ?? .binary
        // MySQL's sjis reads 0x5C and 0x7E as ASCII; glibc's SJIS alone would give ¥ and ‾.
        #expect(json([0x61, 0x5C, 0x7E, 0x82, 0xA0, 0x5C], sjis) == "\"a\\\\~あ\\\\\"")
        // 0x815C is a two-byte character whose trail byte is 0x5C.
        #expect(json([0x81, 0x5C], sjis) == "\"―\"")
    }

    /// Codes where MySQL's tables differ from glibc's encodings (IconvMappings) come out as the server has them.
    @Test func serverMappingsWinOverGlibc() {
        let name: (String) -> Charset = { Charset.named($0) ?? .binary }
        #expect(json([0x81, 0x5F], name("sjis")) == "\"\\\\\"")  // glibc SJIS: U+FF3C
        #expect(json([0xA1, 0xC0, 0x41], name("ujis")) == "\"\\\\A\"")  // glibc EUC-JP-MS: U+FF3C
        #expect(json([0xA1, 0xC1], name("ujis")) == "\"〜\"")  // U+301C, not U+FF5E
        #expect(json([0xA1, 0xC1], name("eucjpms")) == "\"～\"")  // eucjpms keeps U+FF5E
        #expect(json([0xC7, 0xB1, 0xC6, 0xA5], name("big5")) == "\"Дぁ\"")  // ETEN rows
        #expect(json([0x81, 0x41, 0xB0, 0xA1], name("euckr")) == "\"갂가\"")  // CP949 extension
    }

    @Test func invalidEastAsianBytesBecomeReplacementCharacters() {
        let sjis = Charset.named("sjis") ?? .binary
        let ujis = Charset.named("ujis") ?? .binary
        let gb18030 = Charset.named("gb18030") ?? .binary
        #expect(json([0x82], sjis) == "\"\u{FFFD}\"")  // lead byte cut off
        #expect(json([0x82, 0xA0, 0x82], sjis) == "\"あ\u{FFFD}\"")
        #expect(json([0xA4, 0xA2, 0xFF, 0x41], ujis) == "\"あ\u{FFFD}A\"")
        #expect(json([0x94, 0x39, 0xFC, 0x36], gb18030) == "\"😀\"")
        // A four-byte character cut short: iconv rejects the lead, then reads on ('2' is ASCII).
        #expect(json([0x95, 0x32, 0x82], gb18030) == "\"\u{FFFD}2\u{FFFD}\"")
    }

    /// Random bytes in every iconv character set: never traps, always valid UTF-8 inside quotes.
    @Test func randomEastAsianBytesGiveValidJSON() {
        var generator = SplitMix64(state: 3)
        let names = ["big5", "gbk", "gb2312", "gb18030", "sjis", "cp932", "ujis", "eucjpms", "euckr"]
        for name in names {
            guard let charset = Charset.named(name) else {
                Issue.record("unknown charset \(name)")
                continue
            }
            for _ in 0..<300 {
                let input = randomBytes(Int.random(in: 0...16, using: &generator), using: &generator)
                var out: [UInt8] = []
                input.withUnsafeBytes { JSONString.append($0, charset: charset, into: &out) }
                let decoded = String(decoding: out, as: UTF8.self)
                #expect(Array(decoded.utf8) == out, "\(name) \(input): output is not valid UTF-8")
                #expect(out.first == 0x22 && out.last == 0x22 && out.count >= 2)
            }
        }
    }

    /// The cached iconv handles are shared; many tasks converting at once get the same results as one.
    @Test func concurrentConversions() async {
        let samples: [(Charset, [UInt8], String)] = MariaDBCharsetVectors.vectors.compactMap { vector in
            guard ["sjis", "cp932", "gbk", "big5", "euckr", "ujis"].contains(vector.charset),
                let charset = Charset.named(vector.charset)
            else { return nil }
            return (charset, bytes(hex: vector.hex), json(vector.text))
        }
        #expect(samples.count > 10)
        let failures = await withTaskGroup(of: Int.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var failures = 0
                    for round in 0..<200 {
                        let (charset, input, expected) = samples[(task + round) % samples.count]
                        if json(input, charset) != expected {
                            failures += 1
                        }
                    }
                    return failures
                }
            }
            var total = 0
            for await count in group {
                total += count
            }
            return total
        }
        #expect(failures == 0)
    }
}
