import Testing

@testable import CDCCore

@Suite struct CharsetTests {
    @Test func commonCollationIDs() {
        let expected: [(UInt16, String)] = [
            (8, "latin1"), (33, "utf8mb3"), (45, "utf8mb4"), (63, "binary"), (83, "utf8mb3"), (224, "utf8mb4"),
            (255, "utf8mb4"), (309, "utf8mb4"),
        ]
        for (id, name) in expected {
            #expect(Charset.forCollation(id)?.name == name, "collation \(id)")
        }
    }

    /// Every collation id MariaDB reports (ids 2048... are its UCA-14.0.0 ones) maps to the server's character set.
    @Test func everyMariaDBCollation() {
        #expect(MariaDBCharsetVectors.collations.count > 1000)
        for (id, charset) in MariaDBCharsetVectors.collations {
            #expect(Charset.forCollation(id)?.name == charset, "collation \(id)")
        }
    }

    @Test func mariaDBUCA1400Collations() {
        #expect(Charset.forCollation(2048)?.name == "utf8mb3")  // utf8mb3_uca1400_ai_ci
        #expect(Charset.forCollation(2304)?.name == "utf8mb4")  // utf8mb4_uca1400_ai_ci, MariaDB 11.8's default
        #expect(Charset.forCollation(2560)?.name == "ucs2")
        #expect(Charset.forCollation(2816)?.name == "utf16")
        #expect(Charset.forCollation(3072)?.name == "utf32")
        // A tailoring newer than 10.11's (MariaDB 11.x has 26, 10.11 has 23): the id layout still gives the set.
        #expect(Charset.forCollation(2304 + (25 << 3))?.name == "utf8mb4")
        // Character set numbers 5...7 are unused.
        #expect(Charset.forCollation(2048 + (5 << 8)) == nil)
        #expect(Charset.forCollation(4095) == nil)
    }

    @Test func mySQLOnlyCollations() {
        #expect(Charset.forCollation(76)?.name == "utf8mb3")  // utf8mb3_tolower_ci
        #expect(Charset.forCollation(248)?.name == "gb18030")
        #expect(Charset.forCollation(250)?.name == "gb18030")
        for id: UInt16 in [256, 271, 278, 303, 305, 308, 310, 323] {
            #expect(Charset.forCollation(id)?.name == "utf8mb4", "collation \(id)")
        }
    }

    @Test func unknownCollations() {
        for id: UInt16 in [0, 17, 100, 251, 272, 324, 575, 1271, 2047, 4096, 65535] {
            #expect(Charset.forCollation(id) == nil, "collation \(id)")
        }
    }

    @Test func namedCharsets() {
        #expect(Charset.named("utf8")?.name == "utf8mb3")
        #expect(Charset.named("UTF8MB3") == Charset.utf8mb3)
        #expect(Charset.named("utf8mb4") == Charset.utf8mb4)
        #expect(Charset.named("Latin1") == Charset.latin1)
        #expect(Charset.named("gb18030")?.maxBytesPerChar == 4)
        #expect(Charset.named("binary")?.isBinary == true)
        #expect(Charset.named("latin1")?.isBinary == false)
        #expect(Charset.named("utf-8") == nil)
        #expect(Charset.named("") == nil)
        for id in CharsetID.allCases {
            #expect(Charset.named(id.name)?.id == id)
        }
    }

    @Test func maxBytesPerCharMatchesServer() {
        #expect(MariaDBCharsetVectors.maxLengths.count >= 40)
        for (name, maxLength) in MariaDBCharsetVectors.maxLengths {
            #expect(Charset.named(name)?.maxBytesPerChar == maxLength, "\(name)")
        }
    }

    @Test func equalityIgnoresCollation() {
        #expect(Charset.forCollation(45) == Charset.forCollation(255))
        #expect(Charset.forCollation(45) != Charset.forCollation(33))
        #expect(Set([Charset.forCollation(45), Charset.forCollation(46), Charset.forCollation(2304)]).count == 1)
    }
}
