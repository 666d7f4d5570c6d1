import Foundation
import Testing

/// The 41 public binlogs in `../shared/fixtures/mysql` (blackbeam/rust_mysql_common test data), run through the
/// built `binlog-sink` the way a user runs it. Expectations come from the fixture notes (INDEX.md,
/// expected_values.json), from MariaDB's own decoder output saved next to each file, and from the files' bytes.
enum MySQLFixtures {
    static let binlogCount = 41

    static var directory: URL? { SharedFixtures.root?.appendingPathComponent("mysql", isDirectory: true) }

    /// Every binlog in the folder (not the notes: `.txt`, `.md`, `.json`, `SHA256SUMS`), sorted.
    static func binlogNames() -> [String] {
        guard let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            return []
        }
        return names.filter { name in
            !name.hasPrefix(".") && !name.hasSuffix(".txt") && !name.hasSuffix(".md") && !name.hasSuffix(".json")
                && name != "SHA256SUMS"
        }.sorted()
    }

    struct Damage: CustomTestStringConvertible, Sendable {
        enum Kind: Sendable {
            /// The header walk stops before the end of the file.
            case truncated
            /// A well-framed QUERY event whose body cannot hold what its post-header announces.
            case malformedQuery
        }

        var name: String
        var kind: Kind
        /// The offset the fixture notes give for the damage.
        var offset: Int
        var note: String
        var testDescription: String { name }
    }

    static let damaged: [Damage] = [
        Damage(
            name: "binlog_truncated_event.000001", kind: .truncated, offset: 4,
            note: "INDEX.md: 14-byte file, truncated header at 4 (10 bytes left)"),
        Damage(
            name: "binlog_truncated_prev_gtid_event.000001", kind: .truncated, offset: 120,
            note: "INDEX.md: FDE then truncated header at 120 (9 bytes left)"),
        Damage(
            name: "corrupt-relay-bin.000624", kind: .malformedQuery, offset: 91_204,
            note:
                "expected_values.json: QUERY event of size 171 fails; mariadb-binlog: 'Could not read entry at offset 91204', "
                + "data_len 171, event_type 2 — its status_vars_len (16949) runs past its 152-byte body"),
    ]

    static func intactNames() -> [String] {
        binlogNames().filter { name in !damaged.contains { $0.name == name } }
    }

    /// Files that MariaDB's decoder printed row images for (rc 0, at least one image): the cross-check oracle.
    static func namesDecodedByMariaDB() -> [String] {
        guard let files = try? expectedValues()["files"]?.objectValue else { return [] }
        return files.entries.compactMap { entry in
            guard let report = entry.value["mariadb_binlog"], report["rc"]?.integerValue == 0,
                let printed = report["rows_printed"]?.integerValue, printed > 0
            else { return nil }
            return entry.key
        }.sorted()
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
    }

    static func url(_ name: String) throws -> URL {
        guard let directory else { throw FixtureError(description: "shared fixtures not found") }
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FixtureError(description: "fixture \(name) missing")
        }
        return url
    }

    static func expectedValues() throws -> JSONValue {
        try JSONParser.parse(bytes: Array(try Data(contentsOf: try url("expected_values.json"))))
    }

    static func rustExpectations(_ name: String) throws -> JSONValue {
        guard let value = try expectedValues()["files"]?[name]?["rust_test_expectations"] else {
            throw FixtureError(description: "no expectations for \(name) in expected_values.json")
        }
        return value
    }

    /// `binlog-sink parse NAME`, requiring exit 0, no stderr error line and well-formed records.
    static func records(_ name: String) throws -> [BinlogRecord] {
        let run = try ParseRun.parse([try url(name)])
        #expect(run.status == 0, "\(run.summary)")
        return try run.records()
    }

    /// `binlog-sink parse --events NAME`, requiring exit 0.
    static func events(_ name: String) throws -> [BinlogEventLine] {
        let run = try ParseRun.events([try url(name)])
        #expect(run.status == 0, "\(run.summary)")
        return try run.eventLines()
    }

    /// Event type codes by the names `binlog_walk.py` (and so INDEX.md / expected_values.json) uses.
    static let walkTypeCodes: [String: Int] = [
        "UNKNOWN": 0, "START_V3": 1, "QUERY": 2, "STOP": 3, "ROTATE": 4, "INTVAR": 5, "LOAD": 6, "SLAVE": 7,
        "CREATE_FILE": 8, "APPEND_BLOCK": 9, "EXEC_LOAD": 10, "DELETE_FILE": 11, "NEW_LOAD": 12, "RAND": 13,
        "USER_VAR": 14, "FORMAT_DESCRIPTION": 15, "XID": 16, "BEGIN_LOAD_QUERY": 17, "EXECUTE_LOAD_QUERY": 18,
        "TABLE_MAP": 19, "PRE_GA_WRITE_ROWS": 20, "PRE_GA_UPDATE_ROWS": 21, "PRE_GA_DELETE_ROWS": 22,
        "WRITE_ROWS_V1": 23, "UPDATE_ROWS_V1": 24, "DELETE_ROWS_V1": 25, "INCIDENT": 26, "HEARTBEAT": 27,
        "IGNORABLE": 28, "ROWS_QUERY": 29, "WRITE_ROWS_V2": 30, "UPDATE_ROWS_V2": 31, "DELETE_ROWS_V2": 32,
        "GTID": 33, "ANONYMOUS_GTID": 34, "PREVIOUS_GTIDS": 35, "TRANSACTION_CONTEXT": 36, "VIEW_CHANGE": 37,
        "XA_PREPARE": 38, "PARTIAL_UPDATE_ROWS": 39, "TRANSACTION_PAYLOAD": 40, "HEARTBEAT_V2": 41, "GTID_TAGGED": 42,
        "MARIA_ANNOTATE_ROWS": 160, "MARIA_BINLOG_CHECKPOINT": 161, "MARIA_GTID": 162, "MARIA_GTID_LIST": 163,
        "MARIA_START_ENCRYPTION": 164, "MARIA_QUERY_COMPRESSED": 165, "MARIA_WRITE_ROWS_COMPRESSED_V1": 166,
        "MARIA_UPDATE_ROWS_COMPRESSED_V1": 167, "MARIA_DELETE_ROWS_COMPRESSED_V1": 168,
        "MARIA_WRITE_ROWS_COMPRESSED": 169, "MARIA_UPDATE_ROWS_COMPRESSED": 170, "MARIA_DELETE_ROWS_COMPRESSED": 171,
    ]

    /// Type codes of events that carry rows (GA, pre-GA, v1, v2, partial JSON, MariaDB compressed).
    static let rowsEventTypeCodes: Set<UInt8> = [20, 21, 22, 23, 24, 25, 30, 31, 32, 39, 166, 167, 168, 169, 170, 171]

    /// Files written by the WL#2325 development tree (server version 5.2.2-a_drop6p13): their event type numbers
    /// differ from the GA ones (see `ver51WL2325IsIntact`).
    static let wl2325Files: Set<String> = ["ver_5_1-wl2325_r.001", "ver_5_1-wl2325_s.001"]

    /// MySQL's `event_type_permutation` for those trees (libbinlogevents, Format_description_event): the code in the
    /// file → the GA code it stands for (16 TABLE_MAP, 17–19 PRE_GA_WRITE/UPDATE/DELETE_ROWS, 20 XID,
    /// 21 BEGIN_LOAD_QUERY, 22 EXECUTE_LOAD_QUERY).
    static let wl2325Permutation: [Int: Int] = [16: 19, 17: 20, 18: 21, 19: 22, 20: 16, 21: 17, 22: 18]

    /// The GA type code of an event whose header says `code`, in file `name`.
    static func gaTypeCode(_ code: Int, in name: String) -> Int {
        wl2325Files.contains(name) ? wl2325Permutation[code] ?? code : code
    }
}

@Suite(
    "MySQL fixture binlogs end to end",
    .enabled(
        if: SharedFixtures.root != nil,
        "shared fixtures not found (../shared/fixtures or $BINLOG_SINK_FIXTURES): skipping"))
struct MySQLFixtureTests {
    // MARK: every file

    @Test("the fixture folder holds the 41 binlogs, and the damaged ones are among them")
    func fixtureListIsComplete() throws {
        let names = MySQLFixtures.binlogNames()
        #expect(names.count == MySQLFixtures.binlogCount, "binlogs found: \(names)")
        let documented = try #require(try MySQLFixtures.expectedValues()["files"]?.objectValue).keys.sorted()
        #expect(names == documented, "files on disk vs expected_values.json")
        for damage in MySQLFixtures.damaged {
            #expect(names.contains(damage.name))
        }
    }

    @Test("an intact binlog parses with exit 0 into well-formed records", arguments: MySQLFixtures.intactNames())
    func intactFileParses(name: String) throws {
        let run = try ParseRun.parse([try MySQLFixtures.url(name)])
        #expect(run.status == 0, "\(run.summary)")
        #expect(!run.stderr.contains("error"), "stderr: \(run.stderr.prefix(600))")
        let records = try run.records()
        var problems: [String] = []
        for record in records {
            problems += record.contractViolations().map { "\($0) in \(record.key)" }
            if record.file != name { problems.append("source.file \(record.file) != \(name)") }
        }
        if Set(records.map(\.key)).count != records.count { problems.append("keys are not unique") }
        let positions = records.map { [$0.pos, $0.row] }
        if positions != positions.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            problems.append("records are not in file order (pos, row)")
        }
        expectNoProblems(problems, name)
    }

    @Test("--events prints one line per event, matching the header walk", arguments: MySQLFixtures.intactNames())
    func eventsMatchHeaderWalk(name: String) throws {
        let url = try MySQLFixtures.url(name)
        let raw = try RawBinlog(contentsOf: url)
        let walk = raw.walk()
        #expect(walk.stop == nil, "an intact file walks to its end")
        let lines = try MySQLFixtures.events(name).filter { !$0.inPayload }
        #expect(lines.count == walk.headers.count, "\(lines.count) event lines, \(walk.headers.count) headers")
        var problems: [String] = []
        for (line, header) in zip(lines, walk.headers) {
            let context = "event at \(header.pos)"
            if line.pos != header.pos { problems.append("\(context): pos \(line.pos.map(String.init) ?? "nil")") }
            if line.file != name { problems.append("\(context): file \(line.file ?? "nil")") }
            // The WL#2325 files number their events differently (see ver51WL2325IsIntact): type_code is the GA code.
            let typeCode = MySQLFixtures.gaTypeCode(Int(header.typeCode), in: name)
            if line["type_code"]?.integerValue != Int128(typeCode) {
                problems.append("\(context): type_code \(line["type_code"]?.description ?? "nil") != \(typeCode)")
            }
            if line["size"]?.integerValue != Int128(header.size) {
                problems.append("\(context): size \(line["size"]?.description ?? "nil") != \(header.size)")
            }
            if line["next_pos"]?.integerValue != Int128(header.nextPos) {
                problems.append("\(context): next_pos \(line["next_pos"]?.description ?? "nil") != \(header.nextPos)")
            }
            if line["ts"]?.integerValue != Int128(header.timestamp) {
                problems.append("\(context): ts \(line["ts"]?.description ?? "nil") != \(header.timestamp)")
            }
            if line["server_id"]?.integerValue != Int128(header.serverID) {
                problems.append(
                    "\(context): server_id \(line["server_id"]?.description ?? "nil") != \(header.serverID)")
            }
            if line["flags"]?.integerValue != Int128(header.flags) {
                problems.append("\(context): flags \(line["flags"]?.description ?? "nil") != \(header.flags)")
            }
            if line.type == nil { problems.append("\(context): no type name") }
            if !line.object.duplicateKeys.isEmpty {
                problems.append(
                    "\(context) (\(line.type ?? "?")): duplicate keys \(line.object.duplicateKeys) — a JSON object's names must be unique (RFC 8259 §4)"
                )
            }
        }
        // Event-type counts of the independent header walk in expected_values.json (raw codes, so permuted for the
        // WL#2325 files).
        if let counts = try MySQLFixtures.expectedValues()["files"]?[name]?["walk"]?["event_counts"]?.objectValue {
            var expected: [Int: Int] = [:]
            for (typeName, count) in counts.entries {
                guard let code = MySQLFixtures.walkTypeCodes[typeName], let count = count.integerValue else {
                    problems.append("unknown walk type \(typeName)")
                    continue
                }
                expected[MySQLFixtures.gaTypeCode(code, in: name), default: 0] += Int(count)
            }
            var actual: [Int: Int] = [:]
            for line in lines { if let code = line["type_code"]?.integerValue { actual[Int(code), default: 0] += 1 } }
            if actual != expected {
                problems.append(
                    "type_code counts \(actual.sorted { $0.key < $1.key }) != walk \(expected.sorted { $0.key < $1.key })"
                )
            }
        }
        expectNoProblems(problems, name)
    }

    @Test(
        "records agree with MariaDB's decoder where it could decode the file",
        arguments: MySQLFixtures.namesDecodedByMariaDB())
    func recordsMatchMariaDBBinlog(name: String) throws {
        let records = try MySQLFixtures.records(name)
        let images = try MariaDBBinlogText.parse(contentsOf: try MySQLFixtures.url(name + ".mariadb-binlog.txt"))
        let printed = try MySQLFixtures.expectedValues()["files"]?[name]?["mariadb_binlog"]?["rows_printed"]?
            .integerValue
        #expect(
            printed.map { Int($0) } == images.count, "our parse of the .txt finds as many images as INDEX.md counts")
        expectNoProblems(MariaDBBinlogText.differences(records: records, images: images), name)
    }

    // MARK: damaged files

    @Test(
        "a damaged binlog: earlier records, then one error line naming the offset, exit 1",
        arguments: MySQLFixtures.damaged)
    func damagedFileFails(damage: MySQLFixtures.Damage) throws {
        let url = try MySQLFixtures.url(damage.name)
        let raw = try RawBinlog(contentsOf: url)
        // The offset from the bytes must agree with the fixture notes.
        let fromBytes: Int?
        switch damage.kind {
        case .truncated: fromBytes = raw.walk().stop
        case .malformedQuery: fromBytes = raw.firstMalformedQueryEvent()?.pos
        }
        #expect(fromBytes == damage.offset, "\(damage.note)")
        // No rows event precedes the damage in any of the three files, so there is no complete record to keep.
        let rowsEventsBefore = raw.walk().headers.filter {
            $0.pos < damage.offset && MySQLFixtures.rowsEventTypeCodes.contains($0.typeCode)
        }
        #expect(rowsEventsBefore.isEmpty)

        let run = try ParseRun.parse([url])
        #expect(run.status == 1, "\(run.summary)")
        let records = try run.records()
        #expect(records.count == rowsEventsBefore.count)
        let lines = run.stderrLines
        #expect(lines.count == 1, "exactly one stderr line: \(lines)")
        let line = try #require(
            lines.first.flatMap(BinlogSinkErrorLine.init),
            "stderr \(lines) is not `binlog-sink: error: FILE: at offset N: …`")
        #expect(line.file.hasSuffix(damage.name), "\(line)")
        #expect(line.offset == damage.offset, "\(line) — \(damage.note)")
    }

    @Test("a binlog cut inside an event keeps the records before the cut; cut at an event boundary it is not damaged")
    func truncatedCopyKeepsEarlierRecords() throws {
        let name = "mysql-enum-string-set.000001"
        let source = try MySQLFixtures.url(name)
        let bytes = try Data(contentsOf: source)
        let full = try MySQLFixtures.records(name)
        #expect(full.map(\.op) == [.insert, .update, .delete])
        let raw = try RawBinlog(contentsOf: source)
        let headers = raw.walk().headers
        let deleteEvent = try #require(headers.first { $0.typeCode == 32 }, "the DELETE_ROWS event")
        let updateXID = try #require(headers.last { $0.typeCode == 16 && $0.pos < deleteEvent.pos }, "the update's XID")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "binlog-sink-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // Cut 40 bytes into the DELETE_ROWS event: the insert and the update are complete and committed.
        let cut = directory.appendingPathComponent(name)
        try bytes.prefix(deleteEvent.pos + 40).write(to: cut)
        let damaged = try ParseRun.parse([cut])
        #expect(damaged.status == 1, "\(damaged.summary)")
        let kept = try damaged.records()
        #expect(kept.map(\.raw) == full.prefix(2).map(\.raw), "the insert and update records, unchanged")
        let line = try #require(
            damaged.stderrLines.first.flatMap(BinlogSinkErrorLine.init), "stderr: \(damaged.stderr)")
        #expect(damaged.stderrLines.count == 1)
        #expect(line.offset == deleteEvent.pos, "\(line)")

        // Cut right after the update's XID: a file a live server is still writing looks like this.
        try bytes.prefix(updateXID.pos + updateXID.size).write(to: cut)
        let open = try ParseRun.parse([cut])
        #expect(open.status == 0, "\(open.summary)")
        #expect(try open.records().map(\.raw) == full.prefix(2).map(\.raw))
    }

    /// INDEX.md lists ver_5_1-wl2325_r.001 as failing in other decoders (rust_mysql_common: "broken XID event" of
    /// size 38; mariadb-binlog: invalid event type 18 at 549). The bytes say it is intact: the header chain runs
    /// exactly to the end of the file (11 events, log_pos consistent, last one a STOP). It was written by the WL#2325
    /// development tree ("5.2.2-a_drop6p13-debug-log"), which numbered events differently: its FDE gives types 16–19
    /// a 6-byte post-header (TABLE_MAP and the rows events of that tree; GA XID has none) and types 20–22 the
    /// lengths of XID, BEGIN_LOAD_QUERY, EXECUTE_LOAD_QUERY. MySQL itself reads these files: its FDE code maps
    /// server versions matching `5.2.[0-2]-a_drop6*` through `event_type_permutation` (16 TABLE_MAP, 17–19
    /// PRE_GA_WRITE/UPDATE/DELETE_ROWS, 20 XID, 21 BEGIN_LOAD_QUERY, 22 EXECUTE_LOAD_QUERY). The "38-byte XID" is a
    /// TABLE_MAP of test.t1 (INT, CHAR(50)). So: not damaged, exit 0, and its rows are readable.
    @Test("ver_5_1-wl2325_r.001 is not damaged: it uses the WL#2325 tree's event numbering")
    func ver51WL2325IsIntact() throws {
        for name in MySQLFixtures.wl2325Files.sorted() {
            let raw = try RawBinlog(contentsOf: try MySQLFixtures.url(name))
            let walk = raw.walk()
            #expect(walk.stop == nil, "\(name): the header chain ends exactly at the end of the file")
            var expectedNext = 4
            for header in walk.headers {
                #expect(header.pos == expectedNext)
                // _r's log_pos values chain; _s's events inside transactions carry cache-relative log_pos (as
                // 5.0/5.1-era servers wrote them), so only _r is checked.
                if name == "ver_5_1-wl2325_r.001" {
                    #expect(Int(header.nextPos) == header.pos + header.size, "\(name): log_pos of \(header)")
                }
                expectedNext = header.pos + header.size
            }
            #expect(walk.headers.last?.typeCode == 3, "\(name) ends with a STOP event")
            let fde = try #require(walk.headers.first)
            let version = String(decoding: raw.bytes[(fde.pos + 21)..<(fde.pos + 71)].prefix { $0 != 0 }, as: UTF8.self)
            #expect(version == "5.2.2-a_drop6p13-debug-log")
            // Post-header lengths start after binlog version (2), server version (50), created (4), header length (1).
            let postHeaderLengths = Array(raw.bytes[(fde.pos + 19 + 57)..<(fde.pos + fde.size)])
            #expect(postHeaderLengths.count == 22, "the WL#2325 FDE describes 22 event types")
            #expect(
                Array(postHeaderLengths[15...18]) == [6, 6, 6, 6], "types 16–19 have the TABLE_MAP/rows post-header")
            #expect(
                Array(postHeaderLengths[19...21]) == [0, 4, 26],
                "types 20–22 have XID/BEGIN_LOAD_QUERY/EXECUTE_LOAD_QUERY lengths")
        }

        // Read with that numbering, the file's only table map is test.t1 (events at 428, 511, 612); an event line
        // that calls anything else a TABLE_MAP has read a rows event of that tree as one.
        let tableMaps = try MySQLFixtures.events("ver_5_1-wl2325_r.001").filter { $0.type == "TABLE_MAP" }
        let rawR = try RawBinlog(contentsOf: try MySQLFixtures.url("ver_5_1-wl2325_r.001"))
        #expect(
            tableMaps.compactMap { $0.pos } == rawR.walk().headers.filter { $0.typeCode == 16 }.map(\.pos),
            "type 16 is TABLE_MAP there")
        for line in tableMaps {
            #expect(
                line["db"] == .string("test") && line["table"] == .string("t1"), "not a table map of that tree: \(line)"
            )
        }

        let run = try ParseRun.parse([try MySQLFixtures.url("ver_5_1-wl2325_r.001")])
        #expect(run.status == 0, "\(run.summary)")
        #expect(run.stderrLines.allSatisfy { BinlogSinkErrorLine($0) == nil }, "no error line: \(run.stderr)")
        // Its rows (events 17–19 of that tree: pre-GA WRITE/UPDATE/DELETE_ROWS of test.t1) are the same statements
        // ver_5_1_23.001 logs with GA numbering, so they must be the row images mariadb-binlog printed for that file:
        // (0,'one'), (1,'two'); (0,'one')→(1,'one'), (1,'two')→(2,'two'); delete (2,'two').
        let records = try run.records()
        #expect(records.count == 5)
        let images = try MariaDBBinlogText.parse(contentsOf: try MySQLFixtures.url("ver_5_1_23.001.mariadb-binlog.txt"))
        expectNoProblems(
            MariaDBBinlogText.differences(records: records, images: images),
            "ver_5_1-wl2325_r.001 vs ver_5_1_23.001's rows")
        // ver_5_1-wl2325_s.001's types 20–22 are XID/BEGIN_LOAD_QUERY/EXECUTE_LOAD_QUERY (INDEX.md's header walk
        // calls them PRE_GA rows events): it has no rows at all.
        #expect(try MySQLFixtures.records("ver_5_1-wl2325_s.001").isEmpty)
    }

    // MARK: values

    @Test("json-opaque.binlog: MySQL JSON with opaque scalars")
    func jsonOpaque() throws {
        let name = "json-opaque.binlog"
        let records = try MySQLFixtures.records(name)
        let events = try MySQLFixtures.events(name)
        let rows = try #require(try MySQLFixtures.rustExpectations(name)["rows"]?.arrayValue)
        #expect(records.count == rows.count)
        for (record, row) in zip(records, rows) {
            let index = try #require(row["event_index"]?.integerValue.flatMap { Int(exactly: $0) })
            let event = try #require(events.indices.contains(index - 1) ? events[index - 1] : nil, "event #\(index)")
            #expect(record.pos == event.pos, "record \(record.key) comes from event #\(index) at \(event.pos ?? -1)")
            #expect(record.op == .insert && record.tableKey == "foo.test")
            #expect(record.gtid == nil, "ANONYMOUS_GTID transactions have no GTID")
            // The Rust test renders opaque DECIMAL scalars as strings ("123.456", "9.00"); the record format renders
            // them as JSON numbers (as MySQL's JSON text does), so those two compare numerically.
            let expected = try #require(row["json"]).convertingDecimalStringsToNumbers()
            #expect(record.after?.keys == ["a"], "column name from the table map's COLUMN_NAME metadata")
            #expect(
                record.after?["a"] == expected,
                "\(record.key): \(record.after?["a"]?.description ?? "nil") != \(expected)")
        }
    }

    @Test("time_issue.000001: negative TIME with the table map's fsp")
    func timeIssue() throws {
        let name = "time_issue.000001"
        let raw = try RawBinlog(contentsOf: try MySQLFixtures.url(name))
        let mapHeader = try #require(raw.walk().headers.first { $0.typeCode == 19 })
        let map = try #require(raw.tableMap(at: mapHeader.pos))
        #expect(map.columnTypes.allSatisfy { $0 == 19 }, "every column is TIME2 (type 19)")
        #expect(map.metadata.count == map.columnTypes.count, "TIME2 metadata is one byte per column: its fsp")
        // expected_values.json: negative, 21 days 03:48:27, 0 µs, shown as -507:48:27; fraction digits = fsp.
        let expected: [JSONValue] = map.metadata.map { fsp in
            .string("-507:48:27" + (fsp > 0 ? "." + String(repeating: "0", count: Int(fsp)) : ""))
        }
        let records = try MySQLFixtures.records(name)
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.op == .insert && record.tableKey == "\(map.db).\(map.table)")
        let after = try #require(record.after)
        #expect(after.keys == (1...map.columnTypes.count).map { "@\($0)" })
        #expect(after.entries.map(\.value) == expected)
    }

    @Test("minimal_row_metadata.000001: MINIMAL image, unsigned INT from SIGNEDNESS metadata")
    func minimalRowMetadata() throws {
        let records = try MySQLFixtures.records("minimal_row_metadata.000001")
        #expect(records.count == 1)
        let after = try #require(records.first?.after)
        // The image holds columns 1, 3, 5 (mariadb-binlog prints @1, @3, @5): the others are absent, not null.
        #expect(after.keys == ["@1", "@3", "@5"])
        #expect(after["@1"] == .number("1"))
        #expect(after["@3"] == .string("a"), "CHAR(8) with COLUMN_CHARSET 255 (utf8mb4_0900_ai_ci) is text")
        // expected_values.json: Rust's 0-based @4 = 3230202323 (INT UNSIGNED; the signed reading is -1064764973).
        #expect(after["@5"] == .number("3230202323"))
    }

    @Test("mysql-enum-string-set.000001: strings, ENUM and SET labels from FULL metadata, GTIDs")
    func enumStringSet() throws {
        let name = "mysql-enum-string-set.000001"
        let records = try MySQLFixtures.records(name)
        let expectations = try MySQLFixtures.rustExpectations(name)
        // CREATE TABLE t(f1 CHAR(128), f2 VARCHAR(300), f3 ENUM('var1', 'variant2', 'foo'),
        //                f4 SET('one', 'two', 'three', 'four'), f5 TEXT)   (QUERY event at 572); the table map
        // carries these names and labels (COLUMN_NAME, ENUM_STR_VALUE, SET_STR_VALUE).
        let enumLabels = ["var1", "variant2", "foo"]
        let setLabels = ["one", "two", "three", "four"]
        func expectedImage(_ key: String) throws -> JSONObject {
            let values = try #require(expectations[key]?.arrayValue, "\(key) in expected_values.json")
            try #require(values.count == 5)
            let enumIndex = try #require(values[2].integerValue.flatMap { Int(exactly: $0) })
            try #require(enumLabels.indices.contains(enumIndex - 1))
            let setHex = try #require(values[3]["bytes_hex"]?.stringValue)
            let setMask = try #require(UInt64(setHex, radix: 16))
            let setText = setLabels.enumerated().filter { setMask & (1 << UInt64($0.offset)) != 0 }.map(\.element)
                .joined(separator: ",")
            return JSONObject([
                ("f1", values[0]), ("f2", values[1]), ("f3", .string(enumLabels[enumIndex - 1])),
                ("f4", .string(setText)),
                ("f5", values[4]),
            ])
        }
        try #require(records.count == 3)
        #expect(records.map(\.op) == [.insert, .update, .delete])
        #expect(records.allSatisfy { $0.tableKey == "mysql.t" })
        #expect(records[0].after == (try expectedImage("write_after")))
        #expect(records[1].before == (try expectedImage("update_before")))
        #expect(records[1].after == (try expectedImage("update_after")))
        #expect(records[2].before == (try expectedImage("delete_before")))
        #expect(records[0].after?.keys == ["f1", "f2", "f3", "f4", "f5"], "columns in table order")
        #expect(records[0].after?["f3"] == .string("var1") && records[1].after?["f4"] == .string("two,four"))
        // GTID events 3, 4, 5 of 93e95066-a2f4-11ec-9b69-9657f0ae95e2 open the three transactions.
        #expect(records.map(\.gtid) == (3...5).map { "93e95066-a2f4-11ec-9b69-9657f0ae95e2:\($0)" })
    }

    /// CREATE TABLE foo(a BIT(3), b TEXT, c BIT(8)). expected_values.json lists raw bytes (04, "foo", 20); the
    /// record format renders BIT as numbers, and b is TEXT whose table map carries DEFAULT_CHARSET 255 and the
    /// column names (FULL metadata), so b is the string "foo" — not base64, which is for binary columns.
    @Test("mysql_type_bit.000001: BIT values as numbers")
    func typeBit() throws {
        let records = try MySQLFixtures.records("mysql_type_bit.000001")
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.op == .insert && record.tableKey == "mysql.foo")
        #expect(
            record.after == JSONObject([("a", .number("4")), ("b", .string("foo")), ("c", .number("32"))]),
            "\(record.after.map { JSONValue.object($0).description } ?? "nil")")
        #expect(record.gtid == "fbda2ad0-7c46-11ec-ae30-4ef7efc81a2a:3")
    }

    @Test("binlog-invisible-columns.000001: invisible columns, per-column signedness and charsets")
    func invisibleColumns() throws {
        // CREATE TABLE t1 (f1 INT UNSIGNED INVISIBLE, f2 INT UNSIGNED INVISIBLE, f3 INT, f4 TEXT, f5 BLOB,
        //                  f6 BIGINT UNSIGNED INVISIBLE); values as mariadb-binlog printed them.
        let records = try MySQLFixtures.records("binlog-invisible-columns.000001")
        try #require(records.count == 3)
        #expect(records.map(\.op) == [.insert, .insert, .update])
        func row(_ f1: JSONValue, _ f2: JSONValue, _ f3: String, _ f4: String, _ f5: String, _ f6: JSONValue)
            -> JSONObject
        {
            JSONObject([
                ("f1", f1), ("f2", f2), ("f3", .number(f3)), ("f4", .string(f4)), ("f5", .string(f5)), ("f6", f6),
            ])
        }
        #expect(records[0].after == row(.number("1"), .number("2"), "-3", "4", "BQ==", .number("6000000000")))
        #expect(records[1].after == row(.null, .null, "-33", "44", "VQ==", .null))
        #expect(records[2].before == row(.null, .null, "-33", "44", "VQ==", .null))
        #expect(records[2].after == row(.number("111"), .number("222"), "-333", "444", "VQ==", .null))
    }

    @Test("vector.binlog: VECTOR columns as float arrays")
    func vector() throws {
        let name = "vector.binlog"
        let records = try MySQLFixtures.records(name)
        let events = try MySQLFixtures.events(name)
        #expect(
            records.map(\.op) == [
                .insert, .insert, .insert, .insert, .insert, .insert, .insert, .insert, .delete, .insert,
            ])
        #expect(records.allSatisfy { $0.gtid == nil })
        let rows = try #require(try MySQLFixtures.rustExpectations(name)["rows"]?.arrayValue)
        for (index, row) in rows.enumerated() {
            let eventIndex = try #require(row["event_index"]?.integerValue.flatMap { Int(exactly: $0) })
            let record = try #require(records.indices.contains(index) ? records[index] : nil)
            let event = try #require(
                events.indices.contains(eventIndex - 1) ? events[eventIndex - 1] : nil, "event #\(eventIndex)")
            #expect(record.pos == event.pos && record.row == index, "\(record.key)")
            #expect(record.tableKey == "dtb.foo")
            #expect(record.after?["id"] == row["after"]?["id"])
            let floats = try #require(row["after"]?["as_f32_le"]?.arrayValue)
            #expect(
                floatArray(record.after?["vector_column"]) == floats.compactMap { $0.doubleValue.map(Float.init) },
                "\(record.key): \(record.after?["vector_column"]?.description ?? "nil")")
        }
        // The `bar` rows (decoded from the WRITE_ROWS/DELETE_ROWS bytes, f32 little-endian): VECTOR(2), TEXT, VECTOR(4).
        let bar = records.filter { $0.tableKey == "dtb.bar" }
        try #require(bar.count == 6)
        #expect(bar[0].after?.keys == ["id", "vector_column", "foo", "vector_column2"])
        #expect(floatArray(bar[0].after?["vector_column"]) == [1.1, 2.2])
        #expect(bar[0].after?["foo"] == .null)
        #expect(floatArray(bar[0].after?["vector_column2"]) == [1.1, 2.2, 3.3, 4.4])
        #expect(floatArray(bar[1].after?["vector_column"]) == [1.01, -1.01])
        #expect(bar[1].after?["foo"] == .string("bar"))
        #expect(floatArray(bar[1].after?["vector_column2"]) == [42, 43, 44, 45])
        #expect(
            bar[2].after == bar[0].after && bar[3].after == bar[1].after,
            "the second run repeats the first (after DROP/CREATE DATABASE)")
        #expect(bar[4].op == .delete && bar[4].before == bar[3].after)
        #expect(bar[5].after?["id"] == .number("3"))
        #expect(floatArray(bar[5].after?["vector_column"]) == [2.01, -2.01])
        #expect(floatArray(bar[5].after?["vector_column2"]) == [42.1, 43.2, 44.3, 45.4])
    }

    private func floatArray(_ value: JSONValue?) -> [Float]? {
        value?.arrayValue?.map { $0.doubleValue.map(Float.init) ?? .nan }
    }

    @Test("transaction_compression.000001: rows inside the zstd TRANSACTION_PAYLOAD")
    func transactionCompression() throws {
        let name = "transaction_compression.000001"
        let raw = try RawBinlog(contentsOf: try MySQLFixtures.url(name))
        let payload = try #require(raw.walk().headers.first { $0.typeCode == 40 })
        let records = try MySQLFixtures.records(name)
        #expect(records.count == 1)
        let record = try #require(records.first)
        // The payload decompresses to QUERY(BEGIN), TABLE_MAP test.tb1 (one INT), WRITE_ROWS_V2 (1), XID.
        #expect(record.op == .insert && record.tableKey == "test.tb1")
        #expect(record.after == JSONObject([("@1", .number("1"))]))
        #expect(record.pos == payload.pos && record.row == 0, "source.pos is the payload event's offset")
        #expect(record.key == "\(name):\(payload.pos):0")

        let events = try MySQLFixtures.events(name)
        let inner = events.filter(\.inPayload)
        #expect(
            inner.compactMap { $0["type_code"]?.integerValue } == [2, 19, 30, 16],
            "expected_values.json: QUERY, TABLE_MAP, WRITE_ROWS v2, XID")
        let payloadLine = try #require(events.firstIndex { $0.pos == payload.pos && !$0.inPayload })
        #expect(events[payloadLine].type == "TRANSACTION_PAYLOAD")
        #expect(
            events.dropFirst(payloadLine + 1).prefix(4).allSatisfy { $0.inPayload },
            "inner events follow the payload event")
    }

    /// json.binlog.000001 has no statement text for its DML (no ROWS_QUERY events; its QUERY events are the CREATE
    /// TABLE and BEGINs), so the expected rows come from the row bytes (MySQL binary JSON) and the schema:
    /// CREATE TABLE t(id INT PRIMARY KEY AUTO_INCREMENT, json_col JSON, name VARCHAR(100) AS (json_col->>'$.name'),
    /// age INT AS (json_col->'$.age')). Inserts 1–3 and 4–6 store {"age": A, "data": D, "name": N}; an UPDATE adds
    /// 1 to $.age (full images); a PARTIAL_UPDATE_ROWS event then sets $.age = A + 2. That last event has a MINIMAL
    /// before image (id only) and a partial JSON after image (the diff REPLACE $.age), with name/age — the generated
    /// columns — in full. Its after image must still carry the complete document: the previous document (the
    /// UPDATE's after image) with the diff applied, which the generated columns confirm (name = doc.name,
    /// age = doc.age).
    @Test("json.binlog.000001: MySQL JSON, and a partial JSON update with a complete after image")
    func jsonPartialUpdate() throws {
        let records = try MySQLFixtures.records("json.binlog.000001")
        #expect(records.count == 18)
        #expect(records.allSatisfy { $0.tableKey == "mysql.t" && $0.gtid == nil })
        let people: [(name: String, age: Int, data: String)] = [
            ("Joe", 24, "xxxxxxxxxx"), ("Sue", 32, "yyyyyyyyyy"), ("Pete", 40, "zzzzzzzzzz"),
        ]
        func document(_ id: Int, ageDelta: Int) -> JSONValue {
            let person = people[(id - 1) % 3]
            return .object(
                JSONObject([
                    ("age", .number(String(person.age + ageDelta))), ("data", .string(person.data)),
                    ("name", .string(person.name)),
                ]))
        }
        func image(_ id: Int, ageDelta: Int) -> JSONObject {
            let person = people[(id - 1) % 3]
            return JSONObject([
                ("@1", .number(String(id))), ("@2", document(id, ageDelta: ageDelta)), ("@3", .string(person.name)),
                ("@4", .number(String(person.age + ageDelta))),
            ])
        }
        let inserts = records.filter { $0.op == .insert }
        let updates = records.filter { $0.op == .update }
        try #require(inserts.count == 6 && updates.count == 12)
        for (index, record) in inserts.enumerated() {
            #expect(record.after == image(index + 1, ageDelta: 0), "\(record.key): \(record.description)")
        }
        for (index, record) in updates.prefix(6).enumerated() {
            #expect(record.before == image(index + 1, ageDelta: 0), "\(record.key): \(record.description)")
            #expect(record.after == image(index + 1, ageDelta: 1), "\(record.key): \(record.description)")
        }
        for (index, record) in updates.dropFirst(6).enumerated() {
            let id = index + 1
            #expect(
                record.before?["@1"] == .number(String(id)), "\(record.key): the MINIMAL before image holds the key")
            let after = try #require(record.after)
            #expect(
                after["@2"] == document(id, ageDelta: 2),
                "\(record.key): complete document expected, got \(after["@2"]?.description ?? "absent")")
            #expect(after["@3"] == .string(people[(id - 1) % 3].name))
            #expect(after["@4"] == .number(String(people[(id - 1) % 3].age + 2)))
            #expect(
                after["@2"]?["name"] == after["@3"] && after["@2"]?["age"] == after["@4"],
                "generated columns agree with the document")
            if let key = after["@1"] { #expect(key == .number(String(id))) }
        }
    }

    @Test("mariadb-bin.000001: MariaDB 10.5 FULL metadata names, ENUM label, BLOB, TIMESTAMP, GTIDs")
    func mariadbOutbox() throws {
        let name = "mariadb-bin.000001"
        let records = try MySQLFixtures.records(name)
        let expectations = try MySQLFixtures.rustExpectations(name)
        #expect(expectations["schema"]?.stringValue == "toddy_test" && expectations["table"]?.stringValue == "outbox")
        let columnNames = try #require(expectations["columns"]?.arrayValue).compactMap { $0["name"]?.stringValue }
        #expect(columnNames == ["id", "topic", "event_type", "event", "created"])
        let reference = try #require(expectations["rows_from_mariadb_binlog_for_reference"]?.arrayValue)
        try #require(records.count == reference.count)
        for (record, row) in zip(records, reference) {
            #expect(record.op == .insert && record.tableKey == "toddy_test.outbox")
            #expect(record.after?.keys == columnNames)
            #expect(record.after?["id"] == row["id"])
            #expect(record.after?["topic"] == row["topic"])
            // event_type ENUM('BLOB','JSON','PROTOBUF') (labels in the FULL table map): index 2 is "JSON".
            #expect(row["event_type"] == .number("2") && record.after?["event_type"] == .string("JSON"))
            // event is a BLOB (charset 63): base64 of its bytes.
            let eventBytes = try #require(row["event"]?.stringValue).data(using: .utf8)
            #expect(record.after?["event"] == eventBytes.map { .string($0.base64EncodedString()) })
            // created is a TIMESTAMP: mariadb-binlog prints epoch seconds, the record the UTC text.
            let seconds = try #require(row["created"]?.integerValue)
            #expect(record.after?["created"] == .string(MariaDBBinlogText.utcText(epochSeconds: seconds)))
        }
        #expect(records.map(\.gtid) == ["0-1-1", "0-1-2"])
        let gtidEvents = try MySQLFixtures.events(name).filter { $0.type == "MARIA_GTID" }
        #expect(gtidEvents.compactMap { $0["gtid"]?.stringValue } == ["0-1-1", "0-1-2"])
        #expect(gtidEvents.allSatisfy { $0["type_code"]?.integerValue == 162 })
    }

    // MARK: events

    @Test("binlog_transaction.000001: the 20 event headers")
    func binlogTransactionHeaders() throws {
        let name = "binlog_transaction.000001"
        let expected = try #require(try MySQLFixtures.rustExpectations(name)["event_headers"]?.arrayValue)
        let events = try MySQLFixtures.events(name)
        #expect(expected.count == 20)
        try #require(events.count == expected.count, "\(events.count) events")
        var pos = 4
        for (event, header) in zip(events, expected) {
            let context = "event #\(header["i"]?.description ?? "?")"
            let typeName = try #require(header["type"]?.stringValue)
            #expect(event.type.map { $0 + "_EVENT" } == typeName, "\(context): type \(event.type ?? "nil")")
            #expect(event.pos == pos, "\(context)")
            #expect(event["ts"] == header["timestamp"], "\(context)")
            #expect(event["server_id"] == header["server_id"], "\(context)")
            #expect(event["size"] == header["event_size"], "\(context)")
            #expect(event["next_pos"] == header["log_pos"], "\(context)")
            #expect(event["flags"] == header["flags"], "\(context)")
            pos += Int(header["event_size"]?.integerValue ?? 0)
        }
        #expect(
            events[1]["db"] == .string("test") && events[1]["query"] == .string("create table t1(a int) engine= innodb")
        )
        #expect(events[12]["db"] == .string("mysql") && events[12]["query"] == .string("ROLLBACK"))
        // ROTATE names the next file and the position in it (its 8-byte field: 4) as next_file / next_file_pos
        // (docs/parse.md); "next_pos" stays the header's (1670), so no key may appear twice.
        #expect(
            events[19]["next_file"] == .string("master-bin.000002") && events[19]["next_file_pos"] == .number("4"),
            "\(events[19])")
        #expect(
            events[19].object.duplicateKeys.isEmpty,
            "ROTATE line has duplicate keys \(events[19].object.duplicateKeys): \(events[19])")
    }

    @Test("PREVIOUS_GTIDS without tags")
    func previousGTIDsWithoutTag() throws {
        let name = "binlog_transaction_previous_GTID_no_tag.000001"
        let expectations = try MySQLFixtures.rustExpectations(name)
        let events = try MySQLFixtures.events(name)
        let previous = try #require(events.first { $0.type == "PREVIOUS_GTIDS" })
        #expect(previous["type_code"] == .number("35"))
        // [1, 3) half-open is "1-2" in MySQL's text form.
        #expect(previous["gtid_set"] == .string(try gtidSetText(expectations["previous_gtids"])))
        #expect(previous["gtid_set"] == .string("b9b88c66-0755-11f1-9899-4a9da94c4d71:1-2"))
    }

    @Test("MySQL 9 tagged GTIDs: PREVIOUS_GTIDS with a tag, GTID_TAGGED, and the record's gtid")
    func taggedGTIDs() throws {
        let name = "binlog_transaction_with_GTID_TAG.000001"
        let expectations = try MySQLFixtures.rustExpectations(name)
        let events = try MySQLFixtures.events(name)
        let previous = try #require(events.first { $0.type == "PREVIOUS_GTIDS" })
        // MySQL's own text form (as `SELECT @@gtid_executed` prints it): a UUID's untagged intervals, then each of
        // its tags with their intervals, "uuid:1-13:mytag:1-2"; different UUIDs joined by ",".
        #expect(previous["gtid_set"] == .string(try gtidSetText(expectations["previous_gtids"])))
        #expect(previous["gtid_set"] == .string("55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2"))
        let tagged = try #require(events.first { $0.type == "GTID_TAGGED" })
        #expect(tagged["type_code"] == .number("42"))
        let gtid = try #require(expectations["gtid_tagged"])
        let expectedGTID =
            "\(gtid["uuid"]?.stringValue ?? "?"):\(gtid["tag"]?.stringValue ?? "?"):\(gtid["gno"]?.description ?? "?")"
        #expect(expectedGTID == "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3")
        #expect(tagged["gtid"] == .string(expectedGTID))
        // Its transaction inserts (3, 100, 250.00) into test.orders (INT, INT, DECIMAL(10,2), no names).
        let records = try MySQLFixtures.records(name)
        #expect(records.count == 1)
        #expect(records.first?.gtid == expectedGTID)
        #expect(records.first?.tableKey == "test.orders")
        #expect(
            records.first?.after
                == JSONObject([("@1", .number("3")), ("@2", .number("100")), ("@3", .string("250.00"))]))
    }

    @Test("MySQL 5.6 GTID events, empty PREVIOUS_GTIDS, anonymous GTIDs")
    func untaggedAndAnonymousGTIDs() throws {
        let events = try MySQLFixtures.events("binlog_transaction_with_GTID.000001")
        #expect(
            events.filter { $0.type == "GTID" }.compactMap { $0["gtid"]?.stringValue }
                == (1...3).map { "006c2cf2-b1ea-11e4-9057-8c705a3d3e78:\($0)" })
        #expect(events.first { $0.type == "PREVIOUS_GTIDS" }?["gtid_set"] == .string(""), "no SIDs: the empty set")
        let anonymous = try MySQLFixtures.events("binlog_transaction_with_anonymous_GTID.000001").filter {
            $0.type == "ANONYMOUS_GTID"
        }
        #expect(anonymous.count == 2)
        #expect(anonymous.allSatisfy { $0["type_code"] == .number("34") })
    }

    /// MySQL's text form of a GTID set from expected_values.json's `[{uuid, tag, intervals: [[start, end)]}]`.
    private func gtidSetText(_ value: JSONValue?) throws -> String {
        let sets = try #require(value?.arrayValue)
        var groups: [(uuid: String, parts: [String])] = []
        for set in sets {
            let uuid = try #require(set["uuid"]?.stringValue)
            let tag = set["tag"]?.stringValue
            let intervals = try #require(set["intervals"]?.arrayValue).map { interval -> String in
                let start = interval.arrayValue?.first?.integerValue ?? 0
                let end = (interval.arrayValue?.last?.integerValue ?? 1) - 1
                return start == end ? "\(start)" : "\(start)-\(end)"
            }
            let part = ((tag.map { [$0] } ?? []) + intervals).joined(separator: ":")
            if let last = groups.indices.last, groups[last].uuid == uuid {
                groups[last].parts.append(part)
            } else {
                groups.append((uuid, [part]))
            }
        }
        return groups.map { ([$0.uuid] + $0.parts).joined(separator: ":") }.joined(separator: ",")
    }
}

extension JSONValue {
    /// Strings that are plain decimal numbers (`"123.456"`, `"9.00"`) become numbers; everything else is unchanged.
    func convertingDecimalStringsToNumbers() -> JSONValue {
        switch self {
        case .string(let text):
            let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
            let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) {
                return .number(text)
            }
            return self
        case .array(let items): return .array(items.map { $0.convertingDecimalStringsToNumbers() })
        case .object(let object):
            return .object(JSONObject(object.entries.map { ($0.key, $0.value.convertingDecimalStringsToNumbers()) }))
        default: return self
        }
    }
}
