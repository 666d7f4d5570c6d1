import Testing

@testable import BinlogDecoder

/// FORMAT_DESCRIPTION_EVENT: the checksum rule by server version, and the real format descriptions of the fixtures.
@Suite struct FormatDescriptionTests {
    /// MySQL writes `checksum_alg` into the format description from 5.6.1 on, MariaDB from 5.3.0 on
    /// (`checksum_version_split_mysql = {5, 6, 1}` and `checksum_version_split_mariadb = {5, 3, 0}` in the servers'
    /// log_event.cc).
    @Test(arguments: [
        ("5.0.86-debug-log", false),
        ("5.0.16-debug-log", false),
        ("5.1.43-debug-log", false),
        ("5.1.37-ndb-6.2.19-debug-log", false),
        ("5.2.2-a_drop6p13-debug-log", false),
        ("5.6.0", false),
        ("5.6.0-m4-log", false),
        ("5.6.1", true),
        ("5.6.1-m5", true),
        ("5.6.4-m7-debug-log", true),
        ("5.7.22-debug-log", true),
        ("8.0", true),
        ("8.0.26", true),
        ("8.0.2-dmr-debug-log-asan", true),
        ("9.6.0", true),
        ("10.5.15-MariaDB-1:10.5.15+maria~focal-log", true),
        ("10.11.19-MariaDB-0+deb12u1-log", true),
        ("11.8.2-MariaDB", true),
        ("5.5.68-MariaDB", true),
        ("5.3.0-MariaDB", true),
        ("5.2.14-MariaDB", false),
        ("", false),
        ("garbage", false),
        ("99999999999999999999.1.1", true),
    ])
    func versionHasChecksum(version: String, expected: Bool) {
        #expect(FormatDescription.versionHasChecksum(version) == expected, "\(version)")
    }

    /// Every MySQL fixture's format description: the version and checksum algorithm INDEX.md lists, binlog v4,
    /// 19-byte headers, and the post-header lengths MySQL's sources define (QUERY_HEADER_LEN 13,
    /// TABLE_MAP_HEADER_LEN 8, ROWS_HEADER_LEN_V2 10).
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func mysqlFixtures() throws {
        let index = try FixtureIndex()
        #expect(index.entries.count == 41)
        for entry in index.entries where entry.serverVersion != "–" {
            let binlog = try DecodedBinlog(fixture: "mysql/" + entry.file)
            let format = try #require(binlog.formatDescription, "\(entry.file)")
            #expect(format.serverVersion == entry.serverVersion, "\(entry.file)")
            #expect(format.binlogVersion == 4 && format.headerLength == 19, "\(entry.file)")
            let expected: FormatDescription.ChecksumAlgorithm = entry.checksum == "CRC32" ? .crc32 : .off
            #expect(format.checksum == expected, "\(entry.file)")
            #expect(format.postHeaderLength(of: .query, fallback: 0) == 13, "\(entry.file)")
            // 5.0 has no table maps (its table stops before type 19); the 5.1/5.2 development trees
            // (`5.2.2-a_drop6…`, old event numbering) still had the 6-byte table-map post-header of MySQL <= 5.1.4.
            let tableMapLength = format.postHeaderLength(of: .tableMap, fallback: 0)
            if entry.serverVersion.hasPrefix("5.0.") {
                #expect(tableMapLength == 0, "\(entry.file)")
            } else if entry.serverVersion.contains("-a_drop") {
                #expect(tableMapLength == 6, "\(entry.file)")
            } else {
                #expect(tableMapLength == 8, "\(entry.file)")
            }
            if format.postHeaderLengths.count >= Int(EventType.writeRowsV2.rawValue) {
                #expect(format.postHeaderLength(of: .writeRowsV2, fallback: 0) == 10, "\(entry.file)")
            }
            #expect(format.isMariaDB == entry.serverVersion.contains("MariaDB"))
        }
    }

    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func mariaDBFixtures() throws {
        for variant in ["full-metadata", "minimal-metadata", "compressed"] {
            let binlog = try DecodedBinlog(fixture: "mariadb/\(variant)/mysql-bin.000003")
            let format = try #require(binlog.formatDescription)
            #expect(format.serverVersion == "10.11.19-MariaDB-0+deb12u1-log")
            #expect(format.checksum == .crc32 && format.isMariaDB)
            #expect(binlog.error == nil)
        }
    }

    /// Files copied from a live server have LOG_EVENT_BINLOG_IN_USE_F (0x1) in the format description's flags, and its
    /// CRC32 was computed with that bit clear (INDEX.md: "CRC valid only with that bit masked").
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func inUseFlagIsMaskedForTheChecksum() throws {
        let index = try FixtureIndex()
        let inUse = index.entries.filter { $0.notes.contains("LOG_EVENT_BINLOG_IN_USE_F") }.map(\.file)
        #expect(inUse.contains("json.binlog.000001"))
        for file in inUse {
            let bytes = try Fixtures.bytes("mysql/" + file)
            let size = Int(try #require(EventHeader.parse(bytes, at: 4)).eventSize)
            let event = Array(bytes[4..<(4 + size)])
            #expect(event[17] & 0x01 == 0x01, "\(file): in-use flag")
            var decoder = EventDecoder(decompressor: nil)
            let decoded = try decoder.decode(event, offset: 4)
            #expect(decoded.header.flags & EventHeader.binlogInUseFlag != 0)
            #expect(decoder.format.checksum == .crc32)

            // With the flag cleared the same CRC32 still holds (it was computed that way).
            var cleared = event
            cleared[17] &= 0xfe
            var clearedDecoder = EventDecoder(decompressor: nil)
            #expect(throws: Never.self) { try clearedDecoder.decode(cleared, offset: 4) }

            // Any other flipped bit is a checksum mismatch.
            var damaged = event
            damaged[30] ^= 0x04
            var damagedDecoder = EventDecoder(decompressor: nil)
            do {
                _ = try damagedDecoder.decode(damaged, offset: 4)
                Issue.record("\(file): damaged format description accepted")
            } catch {
                #expect(error.code == .checksumMismatch)
                #expect(error.offset == 4 && error.eventType == EventType.formatDescription.rawValue)
            }
        }
    }

    /// The mask is for the format description only: another event with the flag bit set does not verify.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func inUseFlagIsNotMaskedElsewhere() throws {
        let bytes = try Fixtures.bytes("mysql/minimal_row_metadata.000001")
        var decoder = EventDecoder(decompressor: nil)
        let fdeSize = Int(try #require(EventHeader.parse(bytes, at: 4)).eventSize)
        _ = try decoder.decode(Array(bytes[4..<(4 + fdeSize)]), offset: 4)
        let offset = 4 + fdeSize
        let size = Int(try #require(EventHeader.parse(bytes, at: offset)).eventSize)
        var event = Array(bytes[offset..<(offset + size)])
        #expect(throws: Never.self) { try decoder.decode(event, offset: UInt64(offset)) }
        event[17] |= 0x01
        #expect(throws: DecodeError.self) { try decoder.decode(event, offset: UInt64(offset)) }
    }

    /// Hand-made format descriptions: the layout is binlog_version u16, server_version char[50], create_timestamp u32,
    /// header_length u8, post-header lengths, then (5.6.1+) checksum_alg u8 and the CRC32.
    static func body(version: String, headerLength: UInt8 = 19, postHeaders: [UInt8], algorithm: UInt8?) -> [UInt8] {
        var body: [UInt8] = [4, 0]
        var name = Array(version.utf8.prefix(50))
        name += [UInt8](repeating: 0, count: 50 - name.count)
        body += name
        body += [0x10, 0x20, 0x30, 0x40, headerLength]
        body += postHeaders
        if let algorithm { body += [algorithm, 0, 0, 0, 0] }
        return body
    }

    static func event(_ body: [UInt8]) -> [UInt8] {
        let size = UInt32(19 + body.count)
        var header: [UInt8] = [0, 0, 0, 0, 15, 1, 0, 0, 0]
        header += [UInt8(size & 0xff), UInt8(size >> 8 & 0xff), 0, 0, 0, 0, 0, 0, 0, 0]
        return header + body
    }

    @Test func handMadeDescriptions() throws {
        let old = try FormatDescription.parse(
            event: Self.event(Self.body(version: "5.1.73-log", postHeaders: [56, 13, 0, 8], algorithm: nil)))
        #expect(old.serverVersion == "5.1.73-log" && old.createTimestamp == 0x4030_2010)
        #expect(old.checksum == .off && old.postHeaderLengths == [56, 13, 0, 8])
        #expect(old.postHeaderLength(of: .query, fallback: 99) == 13)
        #expect(old.postHeaderLength(of: .tableMap, fallback: 99) == 99)
        #expect(old.postHeaderLength(of: .unknown, fallback: 7) == 7)

        let new = try FormatDescription.parse(
            event: Self.event(Self.body(version: "8.0.40", postHeaders: [0, 13], algorithm: 1)))
        #expect(new.checksum == .crc32 && new.postHeaderLengths == [0, 13])
        let off = try FormatDescription.parse(
            event: Self.event(Self.body(version: "10.6.1-MariaDB", postHeaders: [], algorithm: 0)))
        #expect(off.checksum == .off && off.isMariaDB)
    }

    @Test func malformedDescriptions() {
        func code(_ bytes: [UInt8]) -> DecodeError.Code? {
            do {
                _ = try FormatDescription.parse(event: bytes)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(
            code(Self.event(Self.body(version: "8.0.40", headerLength: 18, postHeaders: [], algorithm: 1)))
                == .malformed)
        #expect(code(Self.event(Self.body(version: "8.0.40", postHeaders: [], algorithm: 7))) == .malformed)
        // A 5.6.1+ version without room for checksum_alg and the CRC.
        #expect(code(Self.event(Self.body(version: "8.0.40", postHeaders: [1, 2], algorithm: nil))) == .malformed)
        // Cut inside the server version.
        #expect(
            code(Array(Self.event(Self.body(version: "8.0.40", postHeaders: [], algorithm: 1)).prefix(40)))
                == .truncated)
        #expect(code([UInt8](repeating: 0, count: 19)) == .truncated)
    }
}
