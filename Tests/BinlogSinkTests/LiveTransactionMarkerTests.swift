import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `run --transaction-markers` end to end against the throwaway MariaDB (and redis-server, Tansu) scripts/test starts:
// a few transactions executed here — several tables in one, a single autocommit row, deletes and updates, one
// ROLLBACK'd, a DDL — and then for stdout, file single, file per-table, Redis stream and Kafka: BEGIN/END markers
// bracket exactly each committed transaction that has rows, with its GTID (`@@last_gtid` as the server reported
// it), the number of records and the per-table counts; the ROLLBACK'd one and the DDL produce no marker and no row.
// Also the debezium format's marker shape and `transaction` blocks on stdout, Avro markers decoded by a real consumer,
// and a run resumed from a checkpoint inside a large transaction (`--until` in its middle, then a second run): BEGIN
// again, END counting every record from the transaction's start, Debezium's total_order continuing.

extension LiveServer {
    @Suite(
        "Live transaction markers: BEGIN/END bracket each source transaction (stdout, files, Redis, Kafka)",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil,
            "needs a live server: BINLOG_SINK_TEST_MYSQL_SOCKET and _PORT (scripts/test starts one)")
    )
    struct LiveTransactionMarkerTests {
        /// A committed transaction as executed: its GTID and its rows per `db.table`.
        struct Transaction: Equatable, CustomStringConvertible {
            var gtid: String
            var counts: [String: Int]
            var description: String { "\(gtid) \(counts.sorted { $0.key < $1.key })" }
        }

        /// What a run's markers say about one transaction.
        struct Marked: Equatable, CustomStringConvertible {
            var id: String
            var eventCount: Int
            var collections: [String: Int]
            var description: String { "\(id) \(eventCount) \(collections.sorted { $0.key < $1.key })" }
        }

        let client: MariaDBClient
        let port: String
        let scratch: URL

        init() throws {
            guard let client = MariaDBClient.fromEnvironment, let port = liveRunPort else {
                throw MariaDBClient.Failure(message: "BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT are not set")
            }
            self.client = client
            self.port = port
            scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "bls-markers-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        }

        var source: String { "mysql://root@127.0.0.1:\(port)" }

        func removeScratch() {
            guard ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_KEEP"] != "1" else { return }
            try? FileManager.default.removeItem(at: scratch)
        }

        /// Runs `sql` (ending in COMMIT or an autocommit statement) and returns the GTID the server gave it.
        func commit(_ sql: String) throws -> String {
            let output = try client.run(sql + "; SELECT @@last_gtid")
            guard let last = output.split(separator: "\n").last.map(String.init), !last.isEmpty else {
                throw MariaDBClient.Failure(message: "no @@last_gtid after: \(sql)")
            }
            return last
        }

        /// The workload: returns the database, the start and end positions, and the committed transactions.
        func workload() throws -> (database: String, start: LiveBinlogPoint, end: LiveBinlogPoint, [Transaction]) {
            let database = "txm_\(UUID().uuidString.prefix(8).lowercased())"
            try client.run(
                "CREATE DATABASE \(database); CREATE TABLE \(database).a (id INT PRIMARY KEY, v VARCHAR(20)); "
                    + "CREATE TABLE \(database).b (id INT PRIMARY KEY, n INT)")
            let start = try LiveBinlogPoint.current(client)
            let a = "\(database).a"
            let b = "\(database).b"
            var done: [Transaction] = []
            done.append(
                Transaction(
                    gtid: try commit(
                        "BEGIN; INSERT INTO \(a) VALUES (1,'x'),(2,'y'),(3,'z'); INSERT INTO \(b) VALUES (1,1),(2,2); "
                            + "UPDATE \(a) SET v='w' WHERE id=1; COMMIT"),
                    counts: [a: 4, b: 2]))
            try client.run("BEGIN; INSERT INTO \(a) VALUES (10,'rolled back'); DELETE FROM \(b); ROLLBACK")
            done.append(Transaction(gtid: try commit("INSERT INTO \(b) VALUES (3,3)"), counts: [b: 1]))
            try client.run("CREATE TABLE \(database).c (id INT PRIMARY KEY)")
            done.append(
                Transaction(
                    gtid: try commit(
                        "BEGIN; DELETE FROM \(a) WHERE id IN (2,3); UPDATE \(b) SET n=n+1; COMMIT"),
                    counts: [a: 2, b: 3]))
            // A transaction that changes no row of the database: no markers.
            try client.run("BEGIN; UPDATE \(a) SET v='w' WHERE id=99; COMMIT")
            let end = try LiveBinlogPoint.current(client)
            return (database, start, end, done)
        }

        func run(_ database: String, _ start: LiveBinlogPoint, _ extra: [String]) throws -> BinlogSinkCLI.Result {
            let result = try BinlogSinkCLI.run(
                [
                    "run", "--source", source, "--start", start.description, "--until", "now",
                    "--transaction-markers", "--include", "\(database).*",
                ] + extra, timeout: 120)
            #expect(result.status == 0, "run \(extra): exit \(result.status): \(result.stderr.suffix(2000))")
            return result
        }

        static func marked(_ end: JSONValue) -> Marked {
            var collections: [String: Int] = [:]
            for item in end["data_collections"]?.arrayValue ?? [] {
                if let name = item["data_collection"]?.stringValue, let count = item["event_count"]?.integerValue {
                    collections[name] = Int(count)
                }
            }
            return Marked(
                id: end["id"]?.stringValue ?? "?", eventCount: Int(end["event_count"]?.integerValue ?? -1),
                collections: collections)
        }

        static func expected(_ transactions: [Transaction]) -> [Marked] {
            transactions.map { Marked(id: $0.gtid, eventCount: $0.counts.values.reduce(0, +), collections: $0.counts) }
        }

        /// One stream in binlog order (native json): every record lies between a BEGIN and the END with the same id
        /// and position, and the END's counts are the records between them. Returns what the markers say, in order.
        static func checkInline(_ lines: [JSONValue], _ context: String) -> [Marked] {
            var result: [Marked] = []
            var open: (begin: JSONValue, counts: [String: Int], total: Int, gtids: Set<String>)?
            var problems: [String] = []
            for line in lines {
                switch line["op"]?.stringValue {
                case "begin":
                    if open != nil { problems.append("BEGIN inside a transaction: \(line)") }
                    if (line["ts"]?.integerValue ?? 0) <= 0 { problems.append("BEGIN without a timestamp: \(line)") }
                    open = (line, [:], 0, [])
                case "end":
                    guard let current = open else {
                        problems.append("END without BEGIN: \(line)")
                        continue
                    }
                    for field in ["id", "gtid", "file", "pos"] where current.begin[field] != line[field] {
                        problems.append("END's \(field) differs from BEGIN's: \(current.begin) / \(line)")
                    }
                    if current.gtids != [line["gtid"]?.stringValue ?? "?"] {
                        problems.append("records of \(line["id"] ?? .null) carry GTIDs \(current.gtids)")
                    }
                    let said = marked(line)
                    if said.eventCount != current.total || said.collections != current.counts {
                        problems.append("END says \(said), the records between were \(current.total) \(current.counts)")
                    }
                    if line["key"]?.stringValue
                        != "\(line["file"]?.stringValue ?? ""):\(line["pos"]?.integerValue ?? -1):end"
                    {
                        problems.append("END's key: \(line)")
                    }
                    result.append(said)
                    open = nil
                default:
                    guard var current = open else {
                        problems.append("a record outside BEGIN/END: \(line.abbreviated())")
                        continue
                    }
                    let table = "\(line["db"]?.stringValue ?? "").\(line["table"]?.stringValue ?? "")"
                    current.counts[table, default: 0] += 1
                    current.total += 1
                    current.gtids.insert(line["source"]?["gtid"]?.stringValue ?? "?")
                    if (line["source"]?["pos"]?.integerValue ?? 0) <= (current.begin["pos"]?.integerValue ?? 0) {
                        problems.append("a record before its transaction's first event: \(line.abbreviated())")
                    }
                    open = current
                }
            }
            if open != nil { problems.append("the last transaction has no END") }
            #expect(problems.isEmpty, "\(context): \(problems.prefix(5))")
            return result
        }

        /// Markers kept apart from the records (per-table destinations): BEGIN/END pairs alternate, and each END's
        /// per-table counts are the number of records of its GTID in the tables' destinations.
        static func checkSeparate(
            markers: [JSONValue], records: [JSONValue], _ context: String
        ) -> [Marked] {
            var problems: [String] = []
            var result: [Marked] = []
            var byGTID: [String: [String: Int]] = [:]
            for record in records {
                let table = "\(record["db"]?.stringValue ?? "").\(record["table"]?.stringValue ?? "")"
                byGTID[record["source"]?["gtid"]?.stringValue ?? "?", default: [:]][table, default: 0] += 1
            }
            var begin: JSONValue?
            for marker in markers {
                switch marker["op"]?.stringValue {
                case "begin":
                    if begin != nil { problems.append("two BEGINs in a row: \(marker)") }
                    if (marker["ts"]?.integerValue ?? 0) <= 0 {
                        problems.append("BEGIN without a timestamp: \(marker)")
                    }
                    begin = marker
                case "end":
                    if begin?["id"] != marker["id"] { problems.append("END \(marker) after BEGIN \(begin ?? .null)") }
                    begin = nil
                    let said = marked(marker)
                    if byGTID[marker["gtid"]?.stringValue ?? "?"] != said.collections {
                        problems.append("END says \(said), the records were \(byGTID[said.id] ?? [:])")
                    }
                    result.append(said)
                default:
                    problems.append("not a marker: \(marker.abbreviated())")
                }
            }
            let counted = result.reduce(0) { $0 + $1.eventCount }
            if counted != records.count { problems.append("ENDs count \(counted) records, \(records.count) arrived") }
            #expect(problems.isEmpty, "\(context): \(problems.prefix(5))")
            return result
        }

        static func lines(_ data: Data) throws -> [JSONValue] { try JSONParser.parseLines(data) }

        @Test("stdout and file --file-layout single: markers inline around exactly the committed transactions")
        func inline() throws {
            defer { removeScratch() }
            let (database, start, _, transactions) = try workload()
            let stdout = try run(database, start, [])
            let inline = Self.checkInline(try Self.lines(stdout.stdout), "stdout")
            #expect(inline == Self.expected(transactions), "stdout markers \(inline), executed \(transactions)")
            #expect(!stdout.stdoutText.contains("rolled back"))

            let single = scratch.appendingPathComponent("single")
            _ = try run(database, start, ["--sink", "file:\(single.path)", "--file-layout", "single"])
            let data = try Data(contentsOf: single.appendingPathComponent("changes.jsonl"))
            let fromFile = Self.checkInline(try Self.lines(data), "file single")
            #expect(fromFile == Self.expected(transactions), "file single markers \(fromFile)")
        }

        @Test("file per-table: markers in DIR/binlog_sink.transactions.jsonl, counts match the tables' files")
        func filePerTable() throws {
            defer { removeScratch() }
            let (database, start, _, transactions) = try workload()
            let directory = scratch.appendingPathComponent("per-table")
            _ = try run(database, start, ["--sink", "file:\(directory.path)"])
            let markers = try Self.lines(
                Data(contentsOf: directory.appendingPathComponent("binlog_sink.transactions.jsonl")))
            var records: [JSONValue] = []
            for table in ["a", "b"] {
                records += try Self.lines(
                    Data(contentsOf: directory.appendingPathComponent("\(database).\(table).jsonl")))
            }
            let said = Self.checkSeparate(markers: markers, records: records, "file per-table")
            #expect(said == Self.expected(transactions), "per-table markers \(said), executed \(transactions)")
        }

        @Test(
            "Redis stream: markers in {prefix}:binlog_sink:transactions (op begin/end), counts match the streams",
            .enabled(if: LiveRedisClient.environmentPort != nil, "needs BINLOG_SINK_TEST_REDIS_PORT"))
        func redisStream() throws {
            defer { removeScratch() }
            let redisPort = try #require(LiveRedisClient.environmentPort)
            let (database, start, _, transactions) = try workload()
            let prefix = "txm\(UUID().uuidString.prefix(8).lowercased())"
            let redis = try LiveRedisClient(port: redisPort, database: 3)
            defer { try? redis.deleteKeys(matching: "\(prefix):*") }
            _ = try run(
                database, start, ["--sink", "redis://127.0.0.1:\(redisPort)/3?mode=stream&prefix=\(prefix)"])
            func values(_ key: String) throws -> [JSONValue] {
                try redis.streamEntries(key).map { entry in
                    var value = try JSONParser.parse(bytes: entry.field("record") ?? [])
                    // The entry's op field says what the record says.
                    if entry.field("op").map({ String(decoding: $0, as: UTF8.self) }) != value["op"]?.stringValue {
                        value = .null
                    }
                    return value
                }
            }
            let markers = try values("\(prefix):binlog_sink:transactions")
            let records = try values("\(prefix):\(database):a") + values("\(prefix):\(database):b")
            let said = Self.checkSeparate(markers: markers, records: records, "redis stream")
            #expect(said == Self.expected(transactions), "redis markers \(said), executed \(transactions)")

            // Hash mode ignores markers: no hash or key for them.
            let hashPrefix = prefix + "h"
            defer { try? redis.deleteKeys(matching: "\(hashPrefix):*") }
            _ = try run(database, start, ["--sink", "redis://127.0.0.1:\(redisPort)/3?mode=hash&prefix=\(hashPrefix)"])
            let markerKeys = try redis.keys(matching: "\(hashPrefix):binlog_sink*")
            #expect(markerKeys.isEmpty, "hash mode wrote marker keys: \(markerKeys)")
            let rows = try redis.keys(matching: "\(hashPrefix):\(database):*")
            #expect(rows.count == 4, "hash mode rows: \(rows)")
        }

        @Test(
            "Kafka: markers in the template's topic for binlog_sink.transactions, counts match the tables' topics",
            .enabled(if: LiveKafka.port != nil && LiveKafka.consumerReady, "needs BINLOG_SINK_TEST_KAFKA_PORT"))
        func kafka() throws {
            defer { removeScratch() }
            let (database, start, _, transactions) = try workload()
            let prefix = LiveKafka.uniquePrefix("txm")
            _ = try run(
                database, start,
                [
                    "--sink", "kafka://\(LiveKafka.brokers)", "--topic", prefix + "{db}.{table}", "--state",
                    scratch.appendingPathComponent("state").path,
                ])
            let total = transactions.reduce(0) { $0 + $1.counts.values.reduce(0, +) }
            let messages = try LiveKafka.consume(prefix: prefix, expect: total + 2 * transactions.count)
            let markerMessages = messages.filter { $0.topic == prefix + "binlog_sink.transactions" }
                .sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
            var markers: [JSONValue] = []
            for message in markerMessages {
                let value = try message.jsonValue()
                let keyID = try message.jsonKey()["id"]?.stringValue
                let agrees = message.headers["op"] == value["op"]?.stringValue && keyID == value["id"]?.stringValue
                #expect(agrees, "marker message \(message.headers) \(value)")
                markers.append(value)
            }
            let records = try messages.filter { $0.topic != prefix + "binlog_sink.transactions" }.map {
                try $0.jsonValue()
            }
            // Markers are keyed by transaction id: BEGIN and END share a partition, transactions spread over them.
            let said = Self.checkSeparate(markers: markers, records: records, "kafka").sorted { $0.id < $1.id }
            let expected = Self.expected(transactions).sorted { $0.id < $1.id }
            #expect(said == expected, "kafka markers \(said), executed \(transactions)")
        }

        @Test(
            "avro to Kafka: marker messages decode with confluent-kafka's AvroDeserializer through --registry-listen",
            .enabled(if: LiveKafka.port != nil && LiveKafka.avroConsumerReady, "needs Kafka and the Avro consumer"))
        func avroKafka() throws {
            defer { removeScratch() }
            let (database, start, _, transactions) = try workload()
            let prefix = LiveKafka.uniquePrefix("txmavro")
            let registry = "127.0.0.1:\((Int(LiveKafka.port ?? "") ?? 0) + 8)"
            let run = try LiveBackgroundRun([
                "run", "--source", source, "--start", start.description, "--until", "never", "--transaction-markers",
                "--sink", "kafka://\(LiveKafka.brokers)", "--topic", prefix + "{db}.{table}", "--include",
                "\(database).*", "--format", "avro", "--state", scratch.appendingPathComponent("state").path,
                "--registry-listen", registry, "--checkpoint-interval", "0.2",
            ])
            defer { run.stop(SIGTERM) }
            let total = transactions.reduce(0) { $0 + $1.counts.values.reduce(0, +) }
            let messages = try LiveKafka.consume(
                prefix: prefix, expect: total + 2 * transactions.count, timeout: 60, registry: "http://\(registry)")
            #expect(run.process.isRunning, "run --until never exited: \(run.summary)")
            let markers = messages.filter { $0.topic == prefix + "binlog_sink.transactions" }
            var said: [Marked] = []
            var begins: Set<String> = []
            var problems: [String] = []
            for message in markers {
                guard let value = message.valueAvro, let id = value["id"]?.stringValue else {
                    problems.append("undecoded marker \(message.topic)@\(message.offset)")
                    continue
                }
                if message.keyAvro?["id"]?.stringValue != id { problems.append("key \(message.keyAvro ?? .null)") }
                switch value["status"]?.stringValue {
                case "BEGIN":
                    begins.insert(id)
                    if value["event_count"]?.isNull != true { problems.append("BEGIN \(value)") }
                case "END":
                    said.append(Self.marked(value))
                    if value["next_pos"]?.integerValue == nil { problems.append("END without next_pos: \(value)") }
                default:
                    problems.append("status of \(value)")
                }
            }
            #expect(problems.isEmpty, "avro markers: \(problems.prefix(5))")
            let expected = Self.expected(transactions)
            #expect(begins == Set(expected.map(\.id)), "BEGINs for \(begins.sorted())")
            #expect(said.sorted { $0.id < $1.id } == expected.sorted { $0.id < $1.id }, "avro ENDs \(said)")
        }

        @Test(
            "resumed inside a transaction: BEGIN again, END counts from the transaction's start (json and debezium)",
            arguments: ["json", "debezium"])
        func resumeInsideTransaction(format: String) throws {
            defer { removeScratch() }
            let database = "txr_\(UUID().uuidString.prefix(8).lowercased())"
            _ = try client.run("CREATE DATABASE \(database); CREATE TABLE \(database).t (id INT PRIMARY KEY, v TEXT)")
            let start = try LiveBinlogPoint.current(client)
            let rows = 20000
            let gtid = try commit(
                "SET STATEMENT max_recursive_iterations = 100000 FOR INSERT INTO \(database).t "
                    + "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < \(rows)) "
                    + "SELECT n, REPEAT('x', 40) FROM s")
            let after = try LiveBinlogPoint.current(client)
            let small = try commit("INSERT INTO \(database).t VALUES (0, 'small')")
            try #require(after.file == start.file, "the binlog rotated inside the test's transaction")
            // The first run stops in the middle of the big transaction: its final checkpoint is inside it.
            let middle = LiveBinlogPoint(file: start.file, pos: (start.pos + after.pos) / 2)
            let directory = scratch.appendingPathComponent("resume-\(format)")
            let state = scratch.appendingPathComponent("state-\(format)").path
            let common = [
                "run", "--source", source, "--state", state, "--sink", "file:\(directory.path)", "--file-layout",
                "single", "--transaction-markers", "--include", "\(database).*", "--format", format,
            ]
            let first = try BinlogSinkCLI.run(
                common + ["--start", start.description, "--until", middle.description], timeout: 120)
            try #require(first.status == 0, "first run: \(first.stderr.suffix(2000))")
            let second = try BinlogSinkCLI.run(common + ["--until", "now"], timeout: 120)
            try #require(second.status == 0, "second run: \(second.stderr.suffix(2000))")
            let skipped = second.stderr.components(separatedBy: "skipping the ").dropFirst().first
                .flatMap { Int($0.prefix { $0.isNumber }) }
            let delivered = try #require(
                skipped, "the second run did not resume inside the transaction: \(second.stderr)")
            #expect(delivered > 0 && delivered < rows, "skipped \(delivered) of \(rows)")

            let lines = try Self.lines(Data(contentsOf: directory.appendingPathComponent("changes.jsonl")))
            let isBegin = { (line: JSONValue) in
                line["op"]?.stringValue == "begin" || line["status"]?.stringValue == "BEGIN"
            }
            let isEnd = { (line: JSONValue) in line["op"]?.stringValue == "end" || line["status"]?.stringValue == "END"
            }
            let begins = lines.indices.filter { isBegin(lines[$0]) && lines[$0]["id"]?.stringValue == gtid }
            let ends = lines.indices.filter { isEnd(lines[$0]) && lines[$0]["id"]?.stringValue == gtid }
            // BEGIN from each run; one END, counting every record of the transaction.
            try #require(begins.count == 2 && ends.count == 1, "BEGINs at \(begins), ENDs at \(ends)")
            #expect(begins[1] - begins[0] - 1 == delivered, "the first run wrote \(begins[1] - begins[0] - 1) records")
            #expect(ends[0] - begins[1] - 1 == rows - delivered, "the second run wrote \(ends[0] - begins[1] - 1)")
            let end = Self.marked(lines[ends[0]])
            #expect(end == Marked(id: gtid, eventCount: rows, collections: ["\(database).t": rows]), "END \(end)")
            if format == "debezium" {
                // total_order continues from the skipped records.
                let firstAfter = lines[begins[1] + 1]["transaction"]
                #expect(firstAfter?["total_order"]?.integerValue == Int128(delivered + 1), "\(firstAfter ?? .null)")
                #expect(firstAfter?["data_collection_order"]?.integerValue == Int128(delivered + 1))
            }
            // The next transaction is bracketed as usual.
            let smallEnd = lines.filter { isEnd($0) && $0["id"]?.stringValue == small }.map(Self.marked)
            #expect(smallEnd == [Marked(id: small, eventCount: 1, collections: ["\(database).t": 1])])
        }

        @Test("debezium format: Debezium's BEGIN/END events and each record's transaction block")
        func debezium() throws {
            defer { removeScratch() }
            let (database, start, _, transactions) = try workload()
            let result = try run(database, start, ["--format", "debezium"])
            let lines = try Self.lines(result.stdout)
            var said: [Marked] = []
            var problems: [String] = []
            var open: (id: String, total: Int, perTable: [String: Int])?
            for line in lines {
                switch line["status"]?.stringValue {
                case "BEGIN":
                    if line["event_count"]?.isNull != true || line["data_collections"]?.isNull != true {
                        problems.append("BEGIN shape: \(line)")
                    }
                    open = (line["id"]?.stringValue ?? "?", 0, [:])
                case "END":
                    if open?.id != line["id"]?.stringValue { problems.append("END \(line) after \(open?.id ?? "-")") }
                    let marked = Self.marked(line)
                    if marked.eventCount != open?.total || marked.collections != open?.perTable {
                        problems.append("END \(marked) after \(open?.total ?? -1) records")
                    }
                    said.append(marked)
                    open = nil
                default:
                    let table =
                        "\(line["source"]?["db"]?.stringValue ?? "").\(line["source"]?["table"]?.stringValue ?? "")"
                    guard var current = open else {
                        problems.append("record outside BEGIN/END")
                        continue
                    }
                    current.total += 1
                    current.perTable[table, default: 0] += 1
                    let block = line["transaction"]
                    if block?["id"]?.stringValue != current.id
                        || block?["total_order"]?.integerValue != Int128(current.total)
                        || block?["data_collection_order"]?.integerValue != Int128(current.perTable[table] ?? 0)
                    {
                        problems.append("transaction block \(block ?? .null), expected \(current)")
                    }
                    open = current
                }
            }
            #expect(problems.isEmpty, "debezium: \(problems.prefix(5))")
            #expect(said == Self.expected(transactions), "debezium markers \(said), executed \(transactions)")
        }
    }
}
