import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// The Redis sink's stream mode in the other formats (docs/redis-sink.md: the entry's `record` field holds the record
// in the chosen --format), end to end from the throwaway MariaDB into the throwaway redis-server scripts/test starts,
// read back exactly with LiveRedisClient. Workload: LiveWorkload (every column type, DDL on a table created inside
// the range, multi-statement transactions, a ROLLBACK).
//
// - debezium: `run --format debezium --sink redis://…?mode=stream` of the range; every stream's entries are, in
//   order and byte for byte, the lines `run --format debezium` writes to stdout for the same range and table (the
//   envelope's `ts_ms`, the time of encoding, aside: it must lie within the run), with `op` and `key` fields naming
//   the record; the before/after images replayed equal the server's SELECT: columns Debezium writes like the native
//   format directly, the others (DATE, DATETIME, TIMESTAMP, TIME, BIT) against what the server computes for the
//   documented representation (LiveFileSinkTests.debeziumColumns).
// - avro: `run --format avro --registry-listen … --until never` into the streams; once every record is there, a real
//   consumer (Python confluent-kafka's AvroDeserializer + SchemaRegistryClient pointed at the embedded registry,
//   Support/redis_avro_decode.py) decodes every entry's `record`; each decoded value equals the json record of the
//   same range for the same key (LiveKafkaValues.avroImageProblems), the streams hold the json run's records in
//   order, each entry's `op`/`key` fields are the record's, and the json records those entries stand for replay to
//   SELECT.
//
// Each test writes into its own Redis database number under its own `?prefix=`, and deletes its keys after.

extension LiveServer {
    @Suite(
        "Live Redis sink, debezium and avro streams: the format's records, decoded, equal the source tables",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil && LiveRedisClient.environmentPort != nil,
            "needs BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT and BINLOG_SINK_TEST_REDIS_PORT (scripts/test starts both)")
    )
    struct LiveRedisFormatsTests {
        let client: MariaDBClient
        let port: String
        let redisPort: Int
        let scratch: URL

        init() throws {
            guard let client = MariaDBClient.fromEnvironment, let port = liveRunPort,
                let redisPort = LiveRedisClient.environmentPort
            else {
                throw MariaDBClient.Failure(
                    message: "BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT / BINLOG_SINK_TEST_REDIS_PORT are not set")
            }
            self.client = client
            self.port = port
            self.redisPort = redisPort
            scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "bls-redisfmt-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        }

        var source: String { "mysql://root@127.0.0.1:\(port)" }

        func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> ParseRun {
            ParseRun(arguments: arguments, result: try BinlogSinkCLI.run(arguments, timeout: timeout))
        }

        /// LiveWorkload in a new database, and the range of binlog it was written to.
        func writeWorkload(_ name: String) throws -> (database: String, start: LiveBinlogPoint, end: LiveBinlogPoint) {
            let database = LiveMariaDBTests.uniqueDatabase(name)
            let start = try LiveBinlogPoint.current(client)
            try client.run(LiveWorkload.sql(database: database))
            return (database, start, try LiveBinlogPoint.current(client))
        }

        /// The lines `run --until END` writes to stdout in `format` for the range (each without its newline).
        func stdoutLines(_ workload: (database: String, start: LiveBinlogPoint, end: LiveBinlogPoint), format: String)
            throws -> (run: ParseRun, lines: [[UInt8]])
        {
            let result = try run([
                "run", "--source", source, "--start", workload.start.description, "--until", workload.end.description,
                "--include", "\(workload.database).*", "--format", format,
            ])
            // Every line ends with a newline: no empty record between them, none after the last.
            let lines = result.result.stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            return (result, lines.dropLast().map { [UInt8]($0) })
        }

        /// Every key `{prefix}:*` of the Redis database: each must be a stream `{prefix}:{database}:{table}` of a
        /// LiveWorkload table, one per table. Returns the entries per table, and what breaks that shape.
        static func workloadStreams(_ redis: LiveRedisClient, prefix: String, database: String) throws -> (
            entries: [String: [LiveRedisClient.StreamEntry]], problems: [String]
        ) {
            var problems: [String] = []
            let head = "\(prefix):\(database):"
            let keys = try redis.keys(matching: "\(prefix):*")
            let streams = Set(try redis.keys(matching: "\(prefix):*", type: "stream"))
            var entries: [String: [LiveRedisClient.StreamEntry]] = [:]
            for key in keys {
                guard streams.contains(key), key.hasPrefix(head) else {
                    problems.append("\(key): not a stream \(head){table} (stream mode writes nothing else)")
                    continue
                }
                let list = try redis.streamEntries(key)
                entries[String(key.dropFirst(head.count))] = list
                for entry in list where entry.fields.map(\.name) != ["record", "op", "key"] {
                    problems.append(
                        "\(key) \(entry.id): fields \(entry.fields.map(\.name)), expected [record, op, key]")
                }
            }
            let tables = Set(LiveWorkload.tables.map(\.name))
            if Set(entries.keys) != tables {
                problems.append("streams for \(entries.keys.sorted()), expected one per table \(tables.sorted())")
            }
            return (entries, problems)
        }

        static func text(_ bytes: [UInt8]?) -> String { String(decoding: bytes ?? [], as: UTF8.self) }

        static let ops: [String: String] = ["c": "insert", "u": "update", "d": "delete", "r": "read"]

        /// A Debezium line split at its last field, the envelope's `ts_ms` (the time of encoding,
        /// DebeziumRecordEncoder): the bytes before `,"ts_ms":` and the milliseconds; nil when it does not end so.
        static func splitEncodingTime(_ line: [UInt8]) -> (body: ArraySlice<UInt8>, ms: Int)? {
            let marker = Array(",\"ts_ms\":".utf8)
            guard line.last == UInt8(ascii: "}"), line.count > marker.count else { return nil }
            var index = line.count - marker.count - 1
            while index >= 0 {
                if line[index..<(index + marker.count)].elementsEqual(marker) {
                    let digits = line[(index + marker.count)..<(line.count - 1)]
                    guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }),
                        let ms = Int(String(decoding: digits, as: UTF8.self))
                    else { return nil }
                    return (line[..<index], ms)
                }
                index -= 1
            }
            return nil
        }

        /// Every LiveWorkload table replayed from Debezium images against the server's SELECT: the columns Debezium
        /// writes like the native format through LiveComparison; DATE, DATETIME, TIMESTAMP, TIME and BIT against the
        /// documented value the server computes (LiveFileSinkTests.debeziumColumns).
        func debeziumReplayProblems(_ replayer: RecordReplayer, database: String) throws -> [String] {
            var problems: [String] = []
            let documentedByTable = LiveFileSinkTests.debeziumColumns()
            for table in LiveWorkload.tables {
                let rows = replayer.rows("\(database).\(table.name)")
                let documented = documentedByTable[table.name] ?? []
                let documentedNames = Set(documented.map(\.column))
                // The plain columns: the native comparison, by primary key (whole rows without one).
                var plain = table
                plain.columns = table.columns.filter { !documentedNames.contains($0.name) }
                let serverRows = try client.select(
                    plain.columns.map(LiveComparison.serverExpression), from: "`\(database)`.`\(table.name)`",
                    setup: "SET SESSION time_zone = '+00:00'")
                problems += LiveComparison.compare(plain, replayed: rows, serverRows: serverRows)
                guard !documented.isEmpty else { continue }
                // The documented columns (these tables have the primary key `id`).
                let serverValues = try client.selectText(
                    ["CAST(`id` AS CHAR)"] + documented.map(\.expression),
                    from: "`\(database)`.`\(table.name)` ORDER BY id", setup: "SET SESSION time_zone = '+00:00'")
                let replayed = Dictionary(
                    rows.map { ($0["id"]?.description ?? "null", $0) }, uniquingKeysWith: { first, _ in first })
                if replayed.count != serverValues.count {
                    problems.append(
                        "\(table.name): \(replayed.count) rows replayed, the server has \(serverValues.count)")
                }
                for row in serverValues {
                    let id = row[0] ?? "?"
                    guard let record = replayed[id] else {
                        problems.append("\(table.name) row \(id): on the server, not in the replay")
                        continue
                    }
                    for (offset, column) in documented.enumerated() {
                        let expected = row[offset + 1].map(column.json) ?? .null
                        let got = record[column.column] ?? .string("⟨absent⟩")
                        if got != expected || got.description != expected.description {
                            problems.append(
                                "\(table.name) row \(id) \(column.column): debezium \(got), the server's value per "
                                    + "docs/formats.md \(expected)")
                        }
                    }
                }
            }
            return problems
        }

        // MARK: - debezium

        @Test("debezium streams: the entries are the stdout run's Debezium lines byte for byte; replay equals SELECT")
        func debeziumStreams() throws {
            defer { try? FileManager.default.removeItem(at: scratch) }
            let prefix = LiveRedisTests.uniquePrefix("blsdbz")
            let redis = try LiveRedisClient(port: redisPort, database: 13)
            defer { try? redis.deleteKeys(matching: "\(prefix):*") }
            let workload = try writeWorkload("bls_rdbz")
            let database = workload.database

            let began = Date().timeIntervalSince1970 * 1000
            let result = try run([
                "run", "--source", source, "--start", workload.start.description, "--until", workload.end.description,
                "--state", scratch.appendingPathComponent("state").path, "--include", "\(database).*",
                "--sink", LiveRedisTests.sink(port: redisPort, database: 13, mode: "stream", prefix: prefix),
                "--format", "debezium",
            ])
            let ended = Date().timeIntervalSince1970 * 1000
            #expect(result.status == 0, "\(result.summary)")
            #expect(result.result.stdout.isEmpty, "the redis sink writes nothing to stdout")
            let (reference, lines) = try stdoutLines(workload, format: "debezium")
            try #require(reference.status == 0, "\(reference.summary)")
            try #require(!lines.isEmpty, "the stdout run wrote no record")

            // The reference lines per table, in binlog (stdout) order.
            var expected: [String: [(line: [UInt8], event: JSONValue)]] = [:]
            for line in lines {
                let event = try JSONParser.parse(bytes: line)
                let table = try #require(event["source"]?["table"]?.stringValue, "no source.table in a stdout line")
                expected[table, default: []].append((line, event))
            }

            let (streams, shapeProblems) = try Self.workloadStreams(redis, prefix: prefix, database: database)
            expectNoProblems(shapeProblems, "streams")
            var problems: [String] = []
            var records: [BinlogRecord] = []
            var entryCount = 0
            for table in Set(streams.keys).union(expected.keys).sorted() {
                let entries = streams[table] ?? []
                let wanted = expected[table] ?? []
                entryCount += entries.count
                if entries.count != wanted.count {
                    problems.append("\(table): \(entries.count) entries, the stdout run has \(wanted.count) records")
                }
                for (number, (entry, reference)) in zip(entries, wanted).enumerated() {
                    let what = "\(table) entry \(number) (\(entry.id))"
                    let bytes = entry.field("record") ?? []
                    guard let ours = Self.splitEncodingTime(bytes), let theirs = Self.splitEncodingTime(reference.line)
                    else {
                        problems.append(
                            "\(what): record does not end with the envelope's ts_ms: \(Self.text(bytes).suffix(200))")
                        continue
                    }
                    if !ours.body.elementsEqual(theirs.body) {
                        let at = zip(ours.body, theirs.body).prefix { $0 == $1 }.count
                        problems.append(
                            "\(what): differs from the stdout line from byte \(at): redis …"
                                + "\(Self.text(Array(ours.body.dropFirst(max(0, at - 40)).prefix(160)))), stdout …"
                                + "\(Self.text(Array(theirs.body.dropFirst(max(0, at - 40)).prefix(160))))")
                    }
                    if Double(ours.ms) < began - 1000 || Double(ours.ms) > ended + 1000 {
                        problems.append("\(what): ts_ms \(ours.ms) is not a time during the run (\(began)…\(ended))")
                    }
                    let event = try JSONParser.parse(bytes: bytes)
                    let record: BinlogRecord
                    do {
                        record = try LiveFileSinkOutput.nativeRecord(debezium: event)
                    } catch {
                        problems.append("\(what): \(error)")
                        continue
                    }
                    records.append(record)
                    let op = Self.text(entry.field("op"))
                    let key = Self.text(entry.field("key"))
                    if op != event["op"]?.stringValue.flatMap({ Self.ops[$0] }) || op != record.op.rawValue {
                        problems.append(
                            "\(what): op field \(op), the record's op \(event["op"]?.abbreviated() ?? "none")")
                    }
                    if key != record.key {
                        problems.append("\(what): key field \(key), the record's source \(record.key)")
                    }
                    if record.db != database || record.table != table {
                        problems.append("\(what): a record of \(record.db).\(record.table)")
                    }
                }
            }
            expectNoProblems(problems, "debezium entries vs the stdout run")
            #expect(entryCount == lines.count, "\(entryCount) entries, \(lines.count) records in the stdout run")
            #expect(Set(records.map(\.key)).count == records.count, "a record twice in a clean run")

            // The images replayed in binlog order: the tables.
            var replayer = LiveRedisTests.workloadReplayer()
            replayer.apply(records.sorted { ($0.file, $0.pos, $0.row) < ($1.file, $1.pos, $1.row) })
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the debezium streams")
            expectNoProblems(try debeziumReplayProblems(replayer, database: database), "debezium replay vs SELECT")
            print("redis debezium streams: \(entryCount) entries in \(streams.count) streams")
        }

        // MARK: - avro

        @Test(
            "avro streams: confluent-kafka's AvroDeserializer decodes every entry through --registry-listen; values equal json",
            .enabled(
                if: LiveRedisClient.environmentPort == nil || LiveAvroDecoder.ready,
                "python3 cannot import confluent_kafka.schema_registry.avro (scripts/install-deps installs it)"))
        func avroStreams() throws {
            defer { try? FileManager.default.removeItem(at: scratch) }
            let prefix = LiveRedisTests.uniquePrefix("blsavro")
            let redis = try LiveRedisClient(port: redisPort, database: 14)
            defer { try? redis.deleteKeys(matching: "\(prefix):*") }
            let workload = try writeWorkload("bls_ravro")
            let database = workload.database

            // The json records of the same range: the reference.
            let (jsonRun, _) = try stdoutLines(workload, format: "json")
            try #require(jsonRun.status == 0, "\(jsonRun.summary)")
            let json = try jsonRun.records()
            try #require(!json.isEmpty, "the json run wrote no record")
            let reference = Dictionary(json.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })

            let registryPort = redisPort + 7
            let registry = "127.0.0.1:\(registryPort)"
            let run = try LiveBackgroundRun([
                "run", "--source", source, "--start", workload.start.description, "--until", "never",
                "--state", scratch.appendingPathComponent("state").path, "--include", "\(database).*",
                "--sink", LiveRedisTests.sink(port: redisPort, database: 14, mode: "stream", prefix: prefix),
                "--format", "avro", "--registry-listen", registry, "--checkpoint-interval", "0.2",
            ])
            defer { run.stop(SIGTERM) }

            // Every record in Redis (the run keeps following the server, and so keeps serving the registry).
            func delivered() -> Int {
                let keys = (try? redis.keys(matching: "\(prefix):*", type: "stream")) ?? []
                return keys.reduce(0) { $0 + ((try? redis.command(["XLEN", $1]))?.integer ?? 0) }
            }
            let deadline = Date().addingTimeInterval(60)
            while delivered() < json.count && Date() < deadline && run.process.isRunning { usleep(100_000) }
            try #require(
                delivered() >= json.count, "\(delivered()) entries of \(json.count) records in Redis: \(run.summary)")
            #expect(run.stderr.contains("listening on http://\(registry)"), "\(run.stderr.prefix(1000))")
            // Subjects: `<topic>-value` with the topic --topic names (its default cdc.{db}.{table}, docs/redis-sink.md).
            let subjects = try LiveHTTP.get(port: registryPort, "/subjects")
            let unnamed = LiveWorkload.tables.filter { !subjects.body.contains("\"cdc.\(database).\($0.name)-value\"") }
            #expect(
                subjects.status == 200 && unnamed.isEmpty,
                "no subject cdc.\(database).{table}-value for \(unnamed.map(\.name)): \(subjects)")

            let (streams, shapeProblems) = try Self.workloadStreams(redis, prefix: prefix, database: database)
            expectNoProblems(shapeProblems, "streams")
            let tables = streams.keys.sorted()
            let entries = tables.flatMap { streams[$0] ?? [] }
            let messages = entries.map { $0.field("record") ?? [] }
            // Confluent's wire format: magic byte 0, then a 4-byte schema id.
            let unframed = messages.filter { $0.count < 5 || $0[0] != 0 }
            #expect(unframed.isEmpty, "\(unframed.count) records without the Confluent frame")

            // The real consumer, while the run (and so the registry) is up.
            let decoded = try LiveAvroDecoder.decode(messages, registry: "http://\(registry)")
            #expect(run.process.isRunning, "run --until never exited: \(run.summary)")

            var problems: [String] = []
            var replayed: [BinlogRecord] = []
            var offset = 0
            for table in tables {
                let list = streams[table] ?? []
                let values = decoded[offset..<(offset + list.count)]
                offset += list.count
                let wanted = json.filter { $0.table == table }.map(\.key)
                var keys: [String] = []
                for (entry, value) in zip(list, values) {
                    let what = "\(table) \(entry.id)"
                    if let error = value["$error"]?.stringValue {
                        problems.append("\(what): the deserializer refused the record: \(error)")
                        continue
                    }
                    guard let key = value["key"]?.stringValue, let record = reference[key] else {
                        problems.append("\(what): \(value.abbreviated(300)) is no record of the json run")
                        continue
                    }
                    keys.append(key)
                    replayed.append(record)
                    let source = value["source"]
                    if value["op"]?.stringValue != record.op.rawValue || value["db"]?.stringValue != record.db
                        || value["table"]?.stringValue != record.table || source?["file"]?.stringValue != record.file
                        || source?["pos"]?.integerValue != Int128(record.pos)
                        || source?["row"]?.integerValue != Int128(record.row)
                        || source?["server_id"] != record.serverID || source?["ts"] != record.ts
                        || source?["gtid"] != (record.gtid.map(JSONValue.string) ?? .null)
                    {
                        problems.append("\(what) \(key): envelope \(value.abbreviated(300)) vs json \(record)")
                    }
                    if Self.text(entry.field("op")) != record.op.rawValue || Self.text(entry.field("key")) != key {
                        problems.append(
                            "\(what) \(key): fields op \(Self.text(entry.field("op"))), key \(Self.text(entry.field("key"))); "
                                + "the record is a \(record.op) at \(record.key)")
                    }
                    problems += LiveKafkaValues.avroImageProblems(
                        value["before"], record.before, table: record.table, what: "\(key) \(table) before")
                    problems += LiveKafkaValues.avroImageProblems(
                        value["after"], record.after, table: record.table, what: "\(key) \(table) after")
                }
                if keys != wanted {
                    let first = zip(keys, wanted).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    problems.append(
                        "\(table): \(keys.count) decoded records vs \(wanted.count) json records; first difference at "
                            + "\(first ?? min(keys.count, wanted.count))")
                }
            }
            expectNoProblems(problems, "avro entries vs the json run")
            #expect(entries.count == json.count, "\(entries.count) entries for \(json.count) records")

            // What the entries stand for, replayed: the tables.
            var replayer = LiveRedisTests.workloadReplayer()
            replayer.apply(replayed.sorted { ($0.file, $0.pos, $0.row) < ($1.file, $1.pos, $1.row) })
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the avro streams' records")
            for table in LiveWorkload.tables {
                let serverRows = try client.select(
                    table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.`\(table.name)`",
                    setup: "SET SESSION time_zone = '+00:00'")
                expectNoProblems(
                    LiveComparison.compare(
                        table, replayed: replayer.rows("\(database).\(table.name)"), serverRows: serverRows),
                    "avro streams: \(table.name) vs SELECT")
            }
            print("redis avro streams: \(entries.count) entries decoded in \(streams.count) streams")
        }
    }
}
