import Foundation
import Testing

@testable import CDCCore

// The file sink (`--sink file:DIR`, Sources/CDCCore/Sinks/FileSink.swift) on RecordBatch values built by hand:
// layouts, file names, size and time rotation (numbering across reopen), the torn last line a crash leaves, flush,
// errors, and batches whose leading records a resumed run skips.

/// Builds RecordBatch values the way the pipeline lays them out: each record's bytes followed by the separator.
struct FileSinkBatchBuilder {
    var tables: [RecordBatch.Table] = []
    private var values: [UInt8] = []
    private var records: [RecordBatch.Record] = []

    init(tables: [(String, String)]) {
        self.tables = tables.map { RecordBatch.Table(database: $0.0, table: $0.1, primaryKey: ["id"]) }
    }

    /// Appends one record of table `table` (index into `tables`) with `text` as its encoded value.
    mutating func add(_ table: Int, _ text: String, operation: RecordRenderer.Operation = .insert) {
        let start = values.count
        values += Array(text.utf8)
        let end = values.count
        values.append(10)
        records.append(
            RecordBatch.Record(
                value: start..<end, key: 0..<0, table: table, operation: operation, origin: 0,
                position: UInt64(4 + records.count), row: 0))
    }

    /// The batch; `droppingFirst` leaves the first records' bytes in `values` but out of `records`, as the
    /// pipeline does for the records a resumed run already delivered.
    func batch(droppingFirst dropped: Int = 0) -> RecordBatch {
        RecordBatch(
            values: values, keys: [], records: Array(records.dropFirst(dropped)), tables: tables,
            origins: [RecordBatch.Origin(file: "mysql-bin.000001", gtid: nil)], commits: [])
    }
}

/// A scratch directory removed when the value goes away.
final class FileSinkScratch {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "bls-filesink-\(UUID().uuidString.prefix(8))"
            ).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/" + name)))
    }

    /// The file's lines; a last line without its newline is returned with a `⟨torn⟩` prefix so no comparison with
    /// whole lines can pass.
    func lines(_ name: String) throws -> [String] {
        let data = try bytes(name)
        var lines = data.split(separator: 10, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        if lines.last == "" {
            lines.removeLast()
        } else if let last = lines.popLast() {
            lines.append("⟨torn⟩" + last)
        }
        return lines
    }
}

final class FileSinkLog: @unchecked Sendable {  // used from the test's thread only
    var messages: [String] = []
}

@Suite("File sink (file:DIR)")
struct FileSinkTests {
    static func line(_ table: String, _ number: Int, width: Int = 0) -> String {
        let text = "{\"t\":\"\(table)\",\"n\":\(number)"
        let padding = max(0, width - text.count - 8)
        return text + ",\"p\":\"" + String(repeating: "x", count: padding) + "\"}"
    }

    static func sink(
        _ directory: String, layout: FileSink.Layout = .perTable, maxBytes: UInt64 = 0, maxSeconds: Double = 0,
        log: FileSinkLog = FileSinkLog()
    ) throws -> FileSink {
        try FileSink(
            directory: directory, layout: layout, separator: [10], maxBytes: maxBytes, maxSeconds: maxSeconds,
            log: { log.messages.append($0) })
    }

    /// Closed segments of a stream in number order, then the open one; checks the names are `<name>.NNNNNN.jsonl`.
    static func segmentNames(_ names: [String], stream: String) -> (closed: [Int], all: [String]) {
        var closed: [(Int, String)] = []
        for name in names where name.hasPrefix(stream + ".") && name.hasSuffix(".jsonl") && name != stream + ".jsonl" {
            let middle = name.dropFirst(stream.count + 1).dropLast(6)
            guard middle.count == 6, let number = Int(middle) else { continue }
            closed.append((number, name))
        }
        closed.sort { $0.0 < $1.0 }
        let open = names.contains(stream + ".jsonl") ? [stream + ".jsonl"] : []
        return (closed.map(\.0), closed.map(\.1) + open)
    }

    @Test("per-table layout: DIR/<db>.<table>.jsonl, each with its table's records in order")
    func perTableLayout() throws {
        let scratch = try FileSinkScratch()
        let sink = try Self.sink(scratch.path)
        var expected: [String: [String]] = [:]
        for batchIndex in 0..<3 {
            // The table indexes differ from batch to batch: the file follows the table, not the index.
            var builder = FileSinkBatchBuilder(
                tables: batchIndex % 2 == 0
                    ? [("shop", "orders"), ("crm", "people")] : [("crm", "people"), ("shop", "orders")])
            for number in 0..<10 {
                let table = number % 3 == 0 ? 1 : 0
                let name = builder.tables[table].database + "." + builder.tables[table].table
                let text = Self.line(name, batchIndex * 100 + number)
                builder.add(table, text)
                expected[name, default: []].append(text)
            }
            try sink.write(builder.batch())
        }
        try sink.close()
        #expect(try scratch.names() == ["crm.people.jsonl", "shop.orders.jsonl"])
        #expect(try scratch.lines("shop.orders.jsonl") == expected["shop.orders"])
        #expect(try scratch.lines("crm.people.jsonl") == expected["crm.people"])
        #expect(sink.description == "file:\(scratch.path)")
        #expect(!sink.wantsKeys)
    }

    @Test("push: the lines written so far are in the file at once (readable by a consumer), before any flush")
    func pushWritesTheBuffer() throws {
        let scratch = try FileSinkScratch()
        let sink = try Self.sink(scratch.path)
        var builder = FileSinkBatchBuilder(tables: [("shop", "orders")])
        let lines = (0..<5).map { Self.line("shop.orders", $0) }
        for line in lines { builder.add(0, line) }
        try sink.write(builder.batch())
        try sink.push()
        #expect(try scratch.lines("shop.orders.jsonl") == lines)
        try sink.close()
        #expect(try scratch.lines("shop.orders.jsonl") == lines)
    }

    @Test("a segment past the writeback threshold (sync_file_range) keeps every line, in order, across reopening")
    func largeSegmentsAreWrittenBackEarly() throws {
        let scratch = try FileSinkScratch()
        var sink = try Self.sink(scratch.path)
        var expected: [String] = []
        // 3 × 8,000 lines of ~1 KB: past `FileSegment.writebackBytes` (8 MiB) several times, in buffered writes
        // and in large runs, then a reopen (the threshold counts from the file's end again).
        for batchIndex in 0..<3 {
            if batchIndex == 2 {
                try sink.close()
                sink = try Self.sink(scratch.path)
            }
            var builder = FileSinkBatchBuilder(tables: [("shop", "orders")])
            for number in 0..<8_000 {
                let text = Self.line("shop.orders", batchIndex * 10_000 + number, width: 1_000)
                builder.add(0, text)
                expected.append(text)
            }
            try sink.write(builder.batch())
            try sink.push()
        }
        try sink.close()
        let lines = try scratch.lines("shop.orders.jsonl")
        #expect(lines.count == expected.count && lines == expected, "\(lines.count) lines, expected \(expected.count)")
    }

    @Test("single layout: DIR/changes.jsonl holds every record in order")
    func singleLayout() throws {
        let scratch = try FileSinkScratch()
        let sink = try Self.sink(scratch.path + "/", layout: .single)  // a trailing slash is dropped
        var expected: [String] = []
        for batchIndex in 0..<4 {
            var builder = FileSinkBatchBuilder(tables: [("a", "t1"), ("b", "t2"), ("a", "t3")])
            for number in 0..<7 {
                let text = Self.line("t\(number % 3 + 1)", batchIndex * 100 + number)
                builder.add(number % 3, text)
                expected.append(text)
            }
            try sink.write(builder.batch())
        }
        try sink.close()
        #expect(sink.description == "file:\(scratch.path)")
        #expect(try scratch.names() == ["changes.jsonl"])
        #expect(try scratch.lines("changes.jsonl") == expected)
    }

    @Test("names are escaped: bytes other than letters, digits, _ - $ become %XX")
    func nameEscaping() throws {
        #expect(FileSink.escape("a/b.c") == "a%2Fb%2Ec")
        #expect(FileSink.escape("Az09_-$") == "Az09_-$")
        #expect(FileSink.escape("my db") == "my%20db")
        #expect(FileSink.escape("é%") == "%C3%A9%25")
        #expect(FileSink.escape("..") == "%2E%2E")
        #expect(FileSink.escape("") == "")

        let scratch = try FileSinkScratch()
        let sink = try Self.sink(scratch.path)
        // `a/b.c` and `a%2Fb%2Ec` must not share a file; nor `x.y`.`z` and `x`.`y.z`.
        var builder = FileSinkBatchBuilder(tables: [
            ("db", "a/b.c"), ("db", "a%2Fb%2Ec"), ("x.y", "z"), ("x", "y.z"), ("..", ".."),
        ])
        for table in 0..<5 { builder.add(table, Self.line("table\(table)", table)) }
        try sink.write(builder.batch())
        try sink.close()
        #expect(
            try scratch.names()
                == [
                    "%2E%2E.%2E%2E.jsonl", "db.a%252Fb%252Ec.jsonl", "db.a%2Fb%2Ec.jsonl", "x%2Ey.z.jsonl",
                    "x.y%2Ez.jsonl",
                ].sorted())
        #expect(try scratch.lines("db.a%2Fb%2Ec.jsonl") == [Self.line("table0", 0)])
        #expect(try scratch.lines("db.a%252Fb%252Ec.jsonl") == [Self.line("table1", 1)])
        #expect(try scratch.lines("x%2Ey.z.jsonl") == [Self.line("table2", 2)])
        #expect(try scratch.lines("x.y%2Ez.jsonl") == [Self.line("table3", 3)])
    }

    @Test("size rotation: numbered segments of whole lines, content in order, numbering continues after reopening")
    func sizeRotation() throws {
        let scratch = try FileSinkScratch()
        let log = FileSinkLog()
        var expected: [String] = []
        var sink = try Self.sink(scratch.path, maxBytes: 100, log: log)
        // 30-byte lines, one per batch: a segment closes at its 4th line (120 bytes >= 100).
        for number in 0..<22 {
            var builder = FileSinkBatchBuilder(tables: [("db", "t")])
            let text = Self.line("t", number, width: 29)
            #expect(text.utf8.count == 29)
            builder.add(0, text)
            expected.append(text)
            try sink.write(builder.batch())
        }
        // A batch larger than the limit: rotation happens between batches, so it stays in one segment.
        var big = FileSinkBatchBuilder(tables: [("db", "t")])
        for number in 22..<30 {
            let text = Self.line("t", number, width: 29)
            big.add(0, text)
            expected.append(text)
        }
        try sink.write(big.batch())
        // Two more: left in the open segment when the sink closes.
        for number in 30..<32 {
            var builder = FileSinkBatchBuilder(tables: [("db", "t")])
            let text = Self.line("t", number, width: 29)
            builder.add(0, text)
            expected.append(text)
            try sink.write(builder.batch())
        }
        try sink.close()

        var names = try scratch.names()
        var segments = Self.segmentNames(names, stream: "db.t")
        #expect(segments.closed == [1, 2, 3, 4, 5, 6], "\(names)")
        #expect(names.count == segments.all.count, "unexpected files: \(names)")
        var content: [String] = []
        for name in segments.all {
            let lines = try scratch.lines(name)
            #expect(!lines.contains { $0.hasPrefix("⟨torn⟩") }, "\(name) does not end with a whole line")
            if name != "db.t.jsonl" {
                #expect(try scratch.bytes(name).count >= 100, "\(name) closed before reaching the size limit")
            }
            content += lines
        }
        #expect(content == expected)
        #expect(try scratch.lines("db.t.000001.jsonl") == Array(expected[0..<4]))
        #expect(try scratch.lines("db.t.000006.jsonl") == Array(expected[20..<30]))
        #expect(log.messages.filter { $0.contains("closed segment") }.count == 6, "\(log.messages)")

        #expect(try scratch.lines("db.t.jsonl") == Array(expected[30..<32]))

        // Reopened (a restart): the open segment is appended to and the next closed segment is number 7.
        sink = try Self.sink(scratch.path, maxBytes: 100, log: log)
        for number in 32..<38 {
            var builder = FileSinkBatchBuilder(tables: [("db", "t")])
            let text = Self.line("t", number, width: 29)
            builder.add(0, text)
            expected.append(text)
            try sink.write(builder.batch())
        }
        try sink.close()
        names = try scratch.names()
        segments = Self.segmentNames(names, stream: "db.t")
        #expect(segments.closed == [1, 2, 3, 4, 5, 6, 7, 8], "\(names)")
        content = []
        for name in segments.all { content += try scratch.lines(name) }
        #expect(content == expected)
        #expect(try scratch.lines("db.t.000007.jsonl") == Array(expected[30..<34]))

        // The next number is one more than the highest on disk, even with a gap (segments deleted by an operator).
        for number in [1, 2, 3] {
            try FileManager.default.removeItem(atPath: scratch.path + "/db.t.00000\(number).jsonl")
        }
        try FileManager.default.moveItem(
            atPath: scratch.path + "/db.t.000008.jsonl", toPath: scratch.path + "/db.t.000041.jsonl")
        sink = try Self.sink(scratch.path, maxBytes: 100, log: log)
        var more = FileSinkBatchBuilder(tables: [("db", "t")])
        for number in 38..<42 { more.add(0, Self.line("t", number, width: 29)) }
        try sink.write(more.batch())
        try sink.close()
        #expect(Self.segmentNames(try scratch.names(), stream: "db.t").closed == [4, 5, 6, 7, 41, 42])
    }

    @Test("size rotation per stream: each table rotates on its own, in the single layout the one stream does")
    func sizeRotationPerStream() throws {
        let scratch = try FileSinkScratch()
        let sink = try Self.sink(scratch.path, maxBytes: 60)
        var expected: [String: [String]] = [:]
        for number in 0..<12 {
            var builder = FileSinkBatchBuilder(tables: [("db", "a"), ("db", "b")])
            let table = number % 4 == 0 ? 1 : 0  // a gets 9 lines, b 3
            let text = Self.line(table == 0 ? "a" : "b", number, width: 29)
            builder.add(table, text)
            expected[table == 0 ? "db.a" : "db.b", default: []].append(text)
            try sink.write(builder.batch())
        }
        try sink.close()
        let names = try scratch.names()
        for (stream, lines) in expected {
            let segments = Self.segmentNames(names, stream: stream)
            #expect(segments.closed == Array(1...(lines.count / 2)), "\(stream): \(names)")
            var content: [String] = []
            for name in segments.all { content += try scratch.lines(name) }
            #expect(content == lines, "\(stream)")
        }

        let single = try FileSinkScratch()
        let singleSink = try Self.sink(single.path, layout: .single, maxBytes: 60)
        var all: [String] = []
        var builder = FileSinkBatchBuilder(tables: [("db", "a"), ("db", "b")])
        for number in 0..<2 {
            let text = Self.line("x", number, width: 29)
            builder.add(number, text)
            all.append(text)
        }
        // Two tables in one batch share the one segment: it is rotated once, not once per table.
        try singleSink.write(builder.batch())
        try singleSink.write(builder.batch())
        try singleSink.close()
        #expect(try single.names() == ["changes.000001.jsonl", "changes.000002.jsonl", "changes.jsonl"])
        #expect(try single.lines("changes.000001.jsonl") == all)
        #expect(try single.lines("changes.000002.jsonl") == all)
        #expect(try single.lines("changes.jsonl").isEmpty)
    }

    @Test("time rotation: a segment older than --file-max-seconds is closed at the next write")
    func timeRotation() throws {
        let scratch = try FileSinkScratch()
        let sink = try Self.sink(scratch.path, maxSeconds: 0.8)
        func write(_ number: Int) throws {
            var builder = FileSinkBatchBuilder(tables: [("db", "t")])
            builder.add(0, Self.line("t", number))
            try sink.write(builder.batch())
        }
        try write(0)
        try write(1)
        try sink.flush()
        #expect(try scratch.names() == ["db.t.jsonl"], "rotated before the segment was 0.8 s old")
        usleep(1_000_000)
        try write(2)  // the segment is now older than 0.8 s: closed after this write
        try write(3)
        try write(4)
        usleep(1_000_000)
        try write(5)
        try sink.close()
        #expect(try scratch.names() == ["db.t.000001.jsonl", "db.t.000002.jsonl", "db.t.jsonl"])
        #expect(try scratch.lines("db.t.000001.jsonl") == (0...2).map { Self.line("t", $0) })
        #expect(try scratch.lines("db.t.000002.jsonl") == (3...5).map { Self.line("t", $0) })
        #expect(try scratch.lines("db.t.jsonl").isEmpty)
    }

    @Test("a torn last line left in the open segment is truncated when the sink reopens it")
    func tornLineTruncatedOnReopen() throws {
        let scratch = try FileSinkScratch()
        let log = FileSinkLog()
        var sink = try Self.sink(scratch.path, log: log)
        var builder = FileSinkBatchBuilder(tables: [("db", "t"), ("db", "u")])
        for number in 0..<3 { builder.add(0, Self.line("t", number)) }
        builder.add(1, Self.line("u", 0))
        try sink.write(builder.batch())
        try sink.close()

        // A crash in the middle of a write: half a record, no newline. A short one in t, one longer than the
        // sink's 64 KiB backwards read in u.
        let tPath = scratch.path + "/db.t.jsonl"
        let uPath = scratch.path + "/db.u.jsonl"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"t\":\"t\",\"n\":99,\"p\":\"xx".utf8))
        try handle.close()
        let uHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: uPath))
        try uHandle.seekToEnd()
        try uHandle.write(contentsOf: Data(("{\"t\":\"u\",\"p\":\"" + String(repeating: "y", count: 150_000)).utf8))
        try uHandle.close()
        // And a file that is nothing but a torn line.
        try Data("{\"t\":\"v\",\"n\":0,".utf8).write(to: URL(fileURLWithPath: scratch.path + "/db.v.jsonl"))

        sink = try Self.sink(scratch.path, log: log)
        builder = FileSinkBatchBuilder(tables: [("db", "t"), ("db", "u"), ("db", "v")])
        builder.add(0, Self.line("t", 3))
        builder.add(1, Self.line("u", 1))
        builder.add(2, Self.line("v", 1))
        try sink.write(builder.batch())
        try sink.close()
        #expect(try scratch.lines("db.t.jsonl") == (0...3).map { Self.line("t", $0) })
        #expect(try scratch.lines("db.u.jsonl") == [Self.line("u", 0), Self.line("u", 1)])
        #expect(try scratch.lines("db.v.jsonl") == [Self.line("v", 1)])
        let dropped = log.messages.filter { $0.contains("dropped a torn last line") }
        #expect(dropped.count == 3, "\(log.messages)")
        #expect(dropped.contains { $0.contains("(150014 bytes)") && $0.contains("db.u.jsonl") }, "\(dropped)")

        // A segment that ends with a whole line is left alone.
        log.messages = []
        sink = try Self.sink(scratch.path, log: log)
        builder = FileSinkBatchBuilder(tables: [("db", "t")])
        builder.add(0, Self.line("t", 4))
        try sink.write(builder.batch())
        try sink.close()
        #expect(try scratch.lines("db.t.jsonl") == (0...4).map { Self.line("t", $0) })
        #expect(!log.messages.contains { $0.contains("torn") }, "\(log.messages)")
    }

    @Test("flush makes everything written so far readable in the files, without closing the sink")
    func flushPersists() throws {
        let scratch = try FileSinkScratch()
        let sink = try Self.sink(scratch.path)
        var expected: [String] = []
        for round in 0..<3 {
            var builder = FileSinkBatchBuilder(tables: [("db", "t")])
            for number in 0..<50 {
                let text = Self.line("t", round * 100 + number, width: 200)
                builder.add(0, text)
                expected.append(text)
            }
            try sink.write(builder.batch())
            try sink.flush()
            #expect(try scratch.lines("db.t.jsonl") == expected, "after flush \(round)")
        }
        // A large batch (more than the 1 MiB write buffer) is written whole as well.
        var builder = FileSinkBatchBuilder(tables: [("db", "t")])
        for number in 0..<6000 {
            let text = Self.line("t", 1000 + number, width: 300)
            builder.add(0, text)
            expected.append(text)
        }
        try sink.write(builder.batch())
        try sink.flush()
        let lines = try scratch.lines("db.t.jsonl")
        #expect(lines.count == expected.count)
        #expect(lines == expected, "the file differs from what was written")
        try sink.close()
    }

    @Test("an output path that is a file, or cannot be created, is a clear error")
    func directoryErrors() throws {
        let scratch = try FileSinkScratch()
        let file = scratch.path + "/plain"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let notDirectory = #expect(throws: CDCError.self) { _ = try Self.sink(file) }
        #expect(notDirectory?.code == .usage)
        #expect(notDirectory?.message.contains("not a directory") == true, "\(String(describing: notDirectory))")
        #expect(notDirectory?.file == file)
        let nested = scratch.path + "/missing/parent"
        let cannotCreate = #expect(throws: CDCError.self) { _ = try Self.sink(nested) }
        #expect(cannotCreate?.code == .io)
        #expect(
            cannotCreate?.message.contains("cannot create the output directory") == true,
            "\(String(describing: cannotCreate))")
        #expect(cannotCreate?.file == nested)
        // A directory that does not exist yet (whose parent does) is created.
        let created = scratch.path + "/new"
        let sink = try Self.sink(created)
        var builder = FileSinkBatchBuilder(tables: [("db", "t")])
        builder.add(0, Self.line("t", 0))
        try sink.write(builder.batch())
        try sink.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: created) == ["db.t.jsonl"])
    }

    @Test("a resumed batch: only its kept records are written, in order, after the earlier ones")
    func resumedBatch() throws {
        let scratch = try FileSinkScratch()
        let sink = try Self.sink(scratch.path)
        var builder = FileSinkBatchBuilder(tables: [("db", "t"), ("db", "u")])
        var texts: [String] = []
        for number in 0..<8 {
            let text = Self.line(number % 2 == 0 ? "t" : "u", number)
            builder.add(number % 2, text)
            texts.append(text)
        }
        // The first five were delivered before the restart: their bytes are in the batch, not in its records.
        let batch = builder.batch(droppingFirst: 5)
        #expect(batch.records.count == 3)
        try sink.write(batch)
        // An empty batch (only a commit) writes nothing.
        try sink.write(FileSinkBatchBuilder(tables: [("db", "w")]).batch())
        var next = FileSinkBatchBuilder(tables: [("db", "u")])
        next.add(0, Self.line("u", 8))
        try sink.write(next.batch())
        try sink.close()
        #expect(try scratch.names() == ["db.t.jsonl", "db.u.jsonl"])
        #expect(try scratch.lines("db.t.jsonl") == [texts[6]])
        #expect(try scratch.lines("db.u.jsonl") == [texts[5], texts[7], Self.line("u", 8)])
    }
}
