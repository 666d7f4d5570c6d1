import BinlogDecoder
import CDCCore
import Testing

/// Framing events out of files: magic, headers, sizes; damage is reported with the offset.
@Suite struct BinlogFileReaderTests {
    static let magic: [UInt8] = [0xfe, 0x62, 0x69, 0x6e]

    /// A STOP event (type 3, no body) with the given event_size field.
    static func header(size: UInt32, type: UInt8 = 3) -> [UInt8] {
        [0, 0, 0, 0, type, 1, 0, 0, 0] + (0..<4).map { UInt8(truncatingIfNeeded: size >> UInt32(8 * $0)) }
            + [0, 0, 0, 0, 0, 0]
    }

    static func failure(_ bytes: [UInt8], maxEventSize: Int = EventDecoder.defaultMaxEventSize) throws -> CDCError? {
        let files = try TemporaryFiles()
        let path = try files.write("f.000001", bytes)
        do {
            let reader = try BinlogFileReader(path: path, maxEventSize: maxEventSize)
            while try reader.next() != nil {}
            return nil
        } catch {
            return error
        }
    }

    @Test func badMagic() throws {
        for bytes in [[], [0xfe, 0x62, 0x69], [0xfe, 0x62, 0x69, 0x6f], Array("binlog".utf8)] {
            let error = try #require(try Self.failure(bytes))
            #expect(error.code == .decode && error.decodeError?.code == .badMagic && error.decodeError?.offset == 0)
        }
    }

    @Test func onlyTheMagicIsAnEmptyFile() throws {
        #expect(try Self.failure(Self.magic) == nil)
    }

    @Test func truncatedHeader() throws {
        for left in 1..<19 {
            let error = try #require(try Self.failure(Self.magic + [UInt8](repeating: 0, count: left)))
            #expect(error.decodeError?.code == .truncated && error.decodeError?.offset == 4, "\(left) bytes")
        }
        // After a good event, at that event's end.
        let error = try #require(try Self.failure(Self.magic + Self.header(size: 19) + [1, 2, 3]))
        #expect(error.decodeError?.code == .truncated && error.decodeError?.offset == 23)
    }

    /// `mysql/binlog_truncated_event.000001` (14 bytes: INDEX.md "truncated header at 4 (10 bytes left)").
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func truncatedFixture() throws {
        let error = try #require(try Self.failure(try Fixtures.bytes("mysql/binlog_truncated_event.000001")))
        #expect(error.decodeError?.code == .truncated && error.decodeError?.offset == 4)
        #expect(error.message.contains("10 bytes left"))
    }

    @Test func eventSizeSmallerThanAHeader() throws {
        for size: UInt32 in [0, 1, 18] {
            let error = try #require(
                try Self.failure(Self.magic + Self.header(size: size) + [UInt8](repeating: 0, count: 40)))
            #expect(error.decodeError?.code == .badEventSize && error.decodeError?.offset == 4, "size \(size)")
        }
    }

    @Test func eventSizePastTheEnd() throws {
        for size: UInt32 in [20, 100, 0x7fff_ffff, UInt32.max] {
            let error = try #require(try Self.failure(Self.magic + Self.header(size: size)))
            let code = error.decodeError?.code
            #expect(code == .truncated || code == .badEventSize, "size \(size)")
            #expect(error.decodeError?.offset == 4)
        }
        let limited = try #require(
            try Self.failure(
                Self.magic + Self.header(size: 64) + [UInt8](repeating: 0, count: 45),
                maxEventSize: 32))
        #expect(limited.decodeError?.code == .badEventSize)
    }

    @Test func directoriesAndMissingFiles() throws {
        let files = try TemporaryFiles()
        do {
            _ = try BinlogFileReader(path: files.directory)
            Issue.record("a directory opened as a binlog")
        } catch {
            #expect(error.code == .io && error.file == files.directory)
            #expect(error.message.contains("not a regular file"))
        }
        do {
            _ = try BinlogFileReader(path: files.directory + "/missing")
            Issue.record("a missing file opened")
        } catch {
            #expect(error.code == .io && error.message.contains("cannot open"))
        }
    }

    @Test func eventsAndSeek() throws {
        let files = try TemporaryFiles()
        let bytes =
            Self.magic + Self.header(size: 19) + Self.header(size: 23, type: 16) + [1, 2, 3, 4] + Self.header(size: 19)
        let path = try files.write("f.000001", bytes)
        let reader = try BinlogFileReader(path: path)
        #expect(reader.fileSize == UInt64(bytes.count))
        var offsets: [UInt64] = []
        var sizes: [Int] = []
        while let (event, offset) = try reader.next() {
            offsets.append(offset)
            sizes.append(event.count)
        }
        #expect(offsets == [4, 23, 46] && sizes == [19, 23, 19])
        reader.seek(to: 23)
        #expect(try reader.next()?.offset == 23)
        reader.seek(to: 1000)
        #expect(try reader.next() == nil)
    }

    /// Every fixture frames to its end or to the damage INDEX.md names, never further.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func fixtures() throws {
        for file in Fixtures.binlogFiles() {
            let reader = try BinlogFileReader(path: try Fixtures.path(file))
            var last: UInt64 = 0
            do {
                while let (event, offset) = try reader.next() {
                    #expect(offset >= last)
                    last = offset + UInt64(event.count)
                }
                #expect(last == reader.fileSize || reader.fileSize == 4, "\(file)")
            } catch {
                #expect(file.contains("truncated"), "\(file): \(error)")
            }
        }
    }
}
