import BinlogCompression
import BinlogDecoder
import CDCCore
import Foundation
import TestSupport
import Testing

/// The parse pipeline on whole files: records as mariadb-binlog shows the rows, file names, GTIDs, filters,
/// positions, and damage.
@Suite struct BinlogParserTests {
    static func parse(
        _ paths: [String], options: BinlogParser.Options = BinlogParser.Options(),
        in files: TemporaryFiles
    ) throws -> (lines: [String], error: CDCError?) {
        let output = try OutputWriter.file(files.directory + "/out.jsonl")
        let parser = BinlogParser(options: options, output: output, decompressor: SystemDecompressor())
        var failure: CDCError?
        do {
            try parser.run(paths: paths)
        } catch {
            failure = error
        }
        try output.flush()
        let text = try files.read("out.jsonl")
        return (text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init), failure)
    }

    /// MariaDBShopBinlog, every record: positions, GTIDs and timestamps as `mariadb-binlog -vv` printed them
    /// (`# at 761` … `GTID 0-1-884` …, statements at SET TIMESTAMP=1700000000), values from its `###` lines.
    @Test func shopRecords() throws {
        let files = try TemporaryFiles()
        let path = try files.write("mysql-bin.000001", try Hex.bytes(MariaDBShopBinlog.hex))
        let (lines, error) = try Self.parse([path], in: files)
        #expect(error == nil)
        func source(_ pos: Int, _ row: Int, _ gtid: String) -> String {
            "\"source\":{\"server_id\":1,\"file\":\"mysql-bin.000001\",\"pos\":\(pos),\"row\":\(row),\"gtid\":\"\(gtid)\",\"ts\":1700000000},\"key\":\"mysql-bin.000001:\(pos):\(row)\"}"
        }
        #expect(
            lines == [
                "{\"op\":\"insert\",\"db\":\"shop\",\"table\":\"orders\",\"before\":null,\"after\":{\"id\":7,\"note\":\"old\"},"
                    + source(761, 0, "0-1-884"),
                "{\"op\":\"update\",\"db\":\"shop\",\"table\":\"orders\",\"before\":{\"id\":7,\"note\":\"old\"},\"after\":{\"id\":7,\"note\":\"new\"},"
                    + source(1018, 0, "0-1-885"),
                "{\"op\":\"insert\",\"db\":\"shop\",\"table\":\"t_minimal\",\"before\":null,\"after\":{\"id\":1,\"a\":10,\"b\":\"x\",\"c\":null},"
                    + source(1525, 0, "0-1-887"),
                "{\"op\":\"insert\",\"db\":\"shop\",\"table\":\"t_minimal\",\"before\":null,\"after\":{\"id\":2,\"a\":20,\"b\":\"y\",\"c\":5},"
                    + source(1525, 1, "0-1-887"),
                "{\"op\":\"update\",\"db\":\"shop\",\"table\":\"t_minimal\",\"before\":{\"id\":1},\"after\":{\"b\":\"z\"},"
                    + source(1803, 0, "0-1-888"),
                "{\"op\":\"delete\",\"db\":\"shop\",\"table\":\"t_minimal\",\"before\":{\"id\":2},\"after\":null,"
                    + source(2057, 0, "0-1-889"),
            ])
    }

    /// A binlog checkpoint event after the last transaction (MariaDB writes it asynchronously, so it can follow the
    /// newest transaction): the checkpoint moves past it, as past a rotation; one inside a file stays where the
    /// transactions put it.
    @Test func checkpointFollowsATrailingBinlogCheckpointEvent() throws {
        let files = try TemporaryFiles()
        let name = Array("mysql-bin.000001".utf8)
        let binlogCheckpoint = HostileBinlog.event(
            type: 161, body: HostileBinlog.littleEndian(UInt64(name.count), 4) + name)
        // A DDL statement: QUERY post-header (thread, exec time, db length, error code, status length 0), db, query.
        let query = Array("CREATE TABLE t (id INT)".utf8)
        let ddl = HostileBinlog.event(
            type: 2, body: [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0] + Array("d".utf8) + [0] + query)
        let head = HostileBinlog.magic + HostileBinlog.mariaDBFormatDescription
        for (events, expectedEnd) in [
            ([ddl, binlogCheckpoint], head.count + ddl.count + binlogCheckpoint.count),
            ([binlogCheckpoint, ddl], head.count + binlogCheckpoint.count + ddl.count),
            ([ddl], head.count + ddl.count),
        ] {
            let path = try files.write("mysql-bin.000001", events.reduce(head, +))
            let output = try OutputWriter.file(files.directory + "/out.jsonl")
            let parser = BinlogParser(
                options: BinlogParser.Options(), output: output, decompressor: SystemDecompressor())
            var saved: PipelineCheckpoint?
            parser.onCheckpoint = { saved = $0 }
            try parser.run(paths: [path])
            #expect(
                saved?.resumePosition == SchemaPosition(file: "mysql-bin.000001", offset: UInt64(expectedEnd)),
                "\(events.map { $0[4] }): \(String(describing: saved))")
        }
    }

    /// A sink that logs the pipeline's calls: how many records had been written at each push and flush.
    final class CallLog: RecordSink {
        var written = 0
        var pushes: [Int] = []
        var flushes: [Int] = []
        var description: String { "call log" }
        var wantsKeys: Bool { false }
        func write(_ batch: RecordBatch) throws(CDCError) { written += batch.records.count }
        func push() throws(CDCError) { pushes.append(written) }
        func flush() throws(CDCError) { flushes.append(written) }
        func close() throws(CDCError) {}
    }

    /// Files, as a live stream that has caught up would deliver them: it waits (calls `beforeWaiting`) before
    /// every event.
    final class WaitingSource: BinlogEventSource {
        let files: BinlogFilesSource
        var waits = 0
        init(_ files: BinlogFilesSource) { self.files = files }
        func nextEvent() throws(CDCError) -> SourceEvent? { try files.nextEvent() }
        func nextEvent(beforeWaiting: () throws(CDCError) -> Void) throws(CDCError) -> SourceEvent? {
            waits += 1
            try beforeWaiting()
            return try files.nextEvent()
        }
    }

    /// Before the source waits for the server, the records rendered so far go out with a `push`; a flush and a
    /// saved checkpoint only at the first wait, when `checkpointInterval` has passed, and at the end.
    @Test func beforeWaitingPushesAndFlushesOnlyWhenACheckpointIsDue() throws {
        let files = try TemporaryFiles()
        let path = try files.write("mysql-bin.000001", try Hex.bytes(MariaDBShopBinlog.hex))
        for interval in [Duration.seconds(3600), .zero] {
            let sink = CallLog()
            var options = BinlogParser.Options()
            options.checkpointInterval = interval
            let parser = BinlogParser(options: options, sink: sink, decompressor: SystemDecompressor())
            var checkpoints = 0
            parser.onCheckpoint = { _ in checkpoints += 1 }
            let source = WaitingSource(BinlogFilesSource(paths: [path]))
            try parser.run(source: source)
            #expect(sink.written == 6)
            if interval == .zero {
                #expect(sink.pushes.isEmpty, "a due checkpoint flushes: \(sink.pushes)")
                // A checkpoint at every wait, after every event (always due), and at the end.
                #expect(sink.flushes.count > source.waits && checkpoints == sink.flushes.count)
            } else {
                // The first wait checkpoints (the start position is saved at once), every later one pushes.
                #expect(sink.pushes.count == source.waits - 1, "\(sink.pushes.count) pushes, \(source.waits) waits")
                #expect(sink.pushes.last == 6, "every record pushed before the last wait: \(sink.pushes)")
                #expect(sink.flushes == [0, 6] && checkpoints == 2, "flushes \(sink.flushes)")
            }
        }
    }

    /// The file name is the path's base name, JSON-escaped in `file` and `key`.
    @Test func escapedFileNames() throws {
        let files = try TemporaryFiles()
        let name = "we\"ird\\name\u{1}.000001"
        let path = try files.write(name, try Hex.bytes(MariaDBShopBinlog.hex))
        let (lines, error) = try Self.parse([path], in: files)
        #expect(error == nil && lines.count == 6)
        let first = try #require(lines.first)
        #expect(first.contains("\"file\":\"we\\\"ird\\\\name\\u0001.000001\""))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        let source = try #require(object["source"] as? [String: Any])
        #expect(source["file"] as? String == name)
        #expect(object["key"] as? String == name + ":761:0")
    }

    /// MySQL's anonymous GTIDs give `null`; real ones `uuid:gno` (the server uuid and numbering the GTID tests
    /// established for this file: transactions 3, 4 and 5 hold the three rows events).
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func mysqlGTIDs() throws {
        let files = try TemporaryFiles()
        let anonymous = try Self.parse([try Fixtures.path("mysql/minimal_row_metadata.000001")], in: files)
        #expect(anonymous.error == nil && anonymous.lines.count == 1)
        #expect(anonymous.lines.allSatisfy { $0.contains("\"gtid\":null") })
        // minimal_row_metadata: column @4 (0-based) is INT UNSIGNED 3230202323 (expected_values.json).
        #expect(anonymous.lines.first?.contains("3230202323") == true)
        let tagged = try Self.parse([try Fixtures.path("mysql/mysql-enum-string-set.000001")], in: files)
        #expect(tagged.error == nil)
        #expect(
            tagged.lines.map { line in
                line.range(of: "\"gtid\":\"").map { String(line[$0.upperBound...].prefix { $0 != "\"" }) } ?? "none"
            } == (3...5).map { "93e95066-a2f4-11ec-9b69-9657f0ae95e2:\($0)" })
    }

    @Test func filters() throws {
        let files = try TemporaryFiles()
        let path = try files.write("mysql-bin.000001", try Hex.bytes(MariaDBShopBinlog.hex))
        var options = BinlogParser.Options()
        options.filter = TableFilter(includes: ["shop.t_*"])
        #expect(try Self.parse([path], options: options, in: files).lines.count == 4)
        options.filter = TableFilter(includes: ["shop.*"], excludes: ["*.t_minimal"])
        #expect(try Self.parse([path], options: options, in: files).lines.count == 2)
        options.filter = TableFilter(includes: ["other.*"])
        #expect(try Self.parse([path], options: options, in: files).lines.isEmpty)
    }

    /// `--start-position` at a transaction's first event, `--stop-position` before an event.
    @Test func positions() throws {
        let files = try TemporaryFiles()
        let path = try files.write("mysql-bin.000001", try Hex.bytes(MariaDBShopBinlog.hex))
        var options = BinlogParser.Options()
        options.startPosition = 1314  // GTID 0-1-887
        options.stopPosition = 1876  // GTID 0-1-889
        let lines = try Self.parse([path], options: options, in: files).lines
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.contains("\"pos\":1525") || $0.contains("\"pos\":1803") })
    }

    /// Damage: every complete record before it is written; the error says which file and where.
    @Test func damageKeepsEarlierRecords() throws {
        let files = try TemporaryFiles()
        var bytes = try Hex.bytes(MariaDBShopBinlog.hex)
        bytes[1803 + 25] ^= 0xff  // inside the MINIMAL update: its CRC32 no longer matches
        let path = try files.write("mysql-bin.000001", bytes)
        let (lines, error) = try Self.parse([path], in: files)
        #expect(lines.count == 4)
        let failure = try #require(error)
        #expect(failure.code == .decode && failure.file == path)
        #expect(failure.decodeError?.code == .checksumMismatch && failure.decodeError?.offset == 1803)
    }

    @Test func missingAndWrongFiles() throws {
        let files = try TemporaryFiles()
        let missing = try Self.parse([files.directory + "/nope.000001"], in: files)
        #expect(missing.error?.code == .io)
        let directory = try Self.parse([files.directory], in: files)
        #expect(directory.error?.code == .io)
        #expect(directory.error?.description.contains("not a regular file") == true)
        let text = try files.write("notes.txt", Array("hello, world".utf8))
        #expect(try Self.parse([text], in: files).error?.decodeError?.code == .badMagic)
    }

    /// `--events`: one valid JSON object per event, offsets and sizes as the headers give them.
    @Test func eventsMode() throws {
        let files = try TemporaryFiles()
        let path = try files.write("mysql-bin.000001", try Hex.bytes(MariaDBShopBinlog.hex))
        var options = BinlogParser.Options()
        options.eventsMode = true
        let lines = try Self.parse([path], options: options, in: files).lines
        // `# at` lines of the mariadb-binlog text: 34 events.
        #expect(lines.count == 34)
        let objects = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.first?["type"] as? String == "FORMAT_DESCRIPTION")
        #expect(objects.compactMap { $0["gtid"] as? String }.contains("0-1-885"))
        var expectedPosition = 4
        for object in objects {
            #expect(object["pos"] as? Int == expectedPosition)
            expectedPosition += object["size"] as? Int ?? 0
        }
        #expect(expectedPosition == 2173)
    }

    /// `mysql/vector.binlog`: dtb.foo rows (1, [1.1, 2.2, 3.3]) and (2, [1.0, -1.0, 0.0]) (INDEX.md / expected_values.json)
    /// as arrays of float32 numbers.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func vectorFixture() throws {
        let files = try TemporaryFiles()
        let (lines, error) = try Self.parse([try Fixtures.path("mysql/vector.binlog")], in: files)
        #expect(error == nil)
        var vectors: [Int: [Float]] = [:]
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard object["table"] as? String == "foo", let after = object["after"] as? [String: Any],
                let id = after["id"] as? Int, let vector = after["vector_column"] as? [Double]
            else { continue }
            vectors[id] = vector.map { Float($0) }
        }
        #expect(vectors[1] == [1.1, 2.2, 3.3])
        #expect(vectors[2] == [1, -1, 0])
    }
}
