import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `binlog-sink run` into Kafka end to end: the throwaway MariaDB scripts/test starts
// (127.0.0.1:$BINLOG_SINK_TEST_MYSQL_PORT) → run → the Tansu broker it starts (127.0.0.1:$BINLOG_SINK_TEST_KAFKA_PORT,
// LD_LIBRARY_PATH with a librdkafka 2.x) → read back with Python's confluent-kafka (Support/kafka_consume.py).
//
// - json: LiveWorkload (every column type, transactions, a rollback, ADD/DROP COLUMN on a table created inside the
//   range) delivered with `run --until now`: every message equals the stdout run's line for the same record, topic,
//   key (the primary-key JSON) and headers (op, key, position) are right, each partition holds its records in binlog
//   order, and the records replayed equal the server's SELECT of every table.
// - debezium: the same range to other topics: every message parses, op c/u/d, before/after with the same columns as
//   the json record, the same Kafka key, the same set of row changes, and the values that Debezium does not
//   represent differently equal.
// - avro: the same range with `--registry-listen`; a real consumer (confluent-kafka's AvroDeserializer with a
//   SchemaRegistryClient pointed at the embedded registry) decodes every key and value while the run is up, and each
//   decoded value equals the json run's value for the same record (docs/formats.md's representation: micros, days,
//   decimals, bytes, zero dates as null). The registry's HTTP errors (404, 405, 431) are checked too.
// - crash safety: a loop of small transactions while `run --until never` is SIGKILLed at 10 random moments and
//   restarted; a last `run --until now`; every record of the offline `parse` of the range is in Kafka at least once,
//   and the de-duplicated replay equals SELECT.
// - outage, twice: the suite's broker frozen (SIGSTOP) for 20 s, and a broker of the test's own (its data in a local
//   S3 server on $BINLOG_SINK_TEST_S3_PORT, so that it survives; on $BINLOG_SINK_TEST_KAFKA_PORT2) stopped for 20 s
//   and started again, during a workload: the run does not exit, the saved position does not move while the broker
//   is away, and every record arrives once it is back.
//
// Values are never written into the test: the ground truth is the server's SELECT and the json records of the same
// binlog range.

extension LiveServer {
    @Suite(
        "Live Kafka: run → Tansu end to end (json, debezium, avro, crash safety, broker outage)",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil && LiveKafka.port != nil,
            "needs a live MariaDB and Tansu: BINLOG_SINK_TEST_MYSQL_SOCKET, _PORT and BINLOG_SINK_TEST_KAFKA_PORT (scripts/test starts them)"
        ),
        .enabled(
            if: LiveKafka.port == nil || LiveKafka.consumerReady,
            "python3 cannot import confluent_kafka (scripts/install-deps installs it)")
    )
    struct LiveKafkaTests {
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
                "bls-kafka-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        }

        var source: String { "mysql://root@127.0.0.1:\(port)" }
        var sink: String { "kafka://\(LiveKafka.brokers)" }

        // MARK: - The shared workload

        /// LiveWorkload written once for the format tests, and its records as `run --until now` writes them to
        /// stdout (the json format): the reference each Kafka run is compared with.
        struct Workload: Sendable {
            var database: String
            var start: LiveBinlogPoint
            var end: LiveBinlogPoint
            var records: [BinlogRecord]
            /// Each record's stdout line (without the newline), by record key.
            var lines: [String: Data]
        }

        nonisolated(unsafe) static var sharedWorkload: Result<Workload, any Error>?
        static let workloadLock = NSLock()

        func workload() throws -> Workload {
            try Self.workloadLock.withLock {
                if Self.sharedWorkload == nil { Self.sharedWorkload = Result { try makeWorkload() } }
                return try Self.sharedWorkload.map { try $0.get() } ?? makeWorkload()
            }
        }

        private func makeWorkload() throws -> Workload {
            let database = LiveMariaDBTests.uniqueDatabase("bls_kafka")
            let start = try LiveBinlogPoint.current(client)
            try client.run(LiveWorkload.sql(database: database))
            let end = try LiveBinlogPoint.current(client)
            let arguments = [
                "run", "--source", source, "--start", start.description, "--until", end.description,
                "--include", "\(database).*",
            ]
            let run = ParseRun(arguments: arguments, result: try BinlogSinkCLI.run(arguments, timeout: 120))
            guard run.status == 0 else { throw LiveKafka.Failure(description: "reference run: \(run.summary)") }
            let records = try run.records()
            var lines: [String: Data] = [:]
            for (record, line) in zip(
                records, run.result.stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true))
            {
                lines[record.key] = Data(line)
            }
            guard !records.isEmpty else { throw LiveKafka.Failure(description: "reference run: no records") }
            return Workload(database: database, start: start, end: end, records: records, lines: lines)
        }

        /// `run --until END` of the workload's range into Kafka.
        func runToKafka(_ workload: Workload, prefix: String, _ extra: [String]) throws -> ParseRun {
            let arguments =
                [
                    "run", "--source", source, "--start", workload.start.description, "--until",
                    workload.end.description, "--sink", sink, "--topic", prefix + "{db}.{table}",
                    "--include", "\(workload.database).*", "--checkpoint-interval", "0.2",
                ] + extra
            return ParseRun(arguments: arguments, result: try BinlogSinkCLI.run(arguments, timeout: 120))
        }

        /// The records replayed (in binlog order) against the server's SELECT of every LiveWorkload table.
        func replayProblems(_ records: [BinlogRecord], database: String) throws -> [String] {
            let ordered = records.sorted { ($0.file, $0.pos, $0.row) < ($1.file, $1.pos, $1.row) }
            let alterKey = "\(database).t_alter"
            var replayer = RecordReplayer(primaryKey: { $0 == alterKey ? ["id"] : nil })
            replayer.apply(ordered)
            var problems = replayer.anomalies.map(\.description)
            for table in LiveWorkload.tables {
                let serverRows = try client.select(
                    table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.`\(table.name)`",
                    setup: "SET SESSION time_zone = '+00:00'")
                problems += LiveComparison.compare(
                    table, replayed: replayer.rows("\(database).\(table.name)"), serverRows: serverRows)
            }
            return problems
        }

        /// Records of one partition out of binlog order.
        /// With `firstCopiesOnly`, copies re-delivered after a restart (at-least-once) are left out: the first copy
        /// of every record must still be in binlog order.
        static func orderProblems(
            _ messages: [LiveKafkaMessage], firstCopiesOnly: Bool = false, _ keyOf: (LiveKafkaMessage) -> String?
        ) -> [String] {
            var problems: [String] = []
            let byPartition = Dictionary(grouping: messages) { "\($0.topic)/\($0.partition)" }
            for (partition, list) in byPartition {
                var seen = Set<String>()
                let keys = list.sorted { $0.offset < $1.offset }.compactMap(keyOf)
                    .filter { !firstCopiesOnly || seen.insert($0).inserted }
                let points = keys.compactMap(Self.point)
                for (a, b) in zip(points, points.dropFirst()) where !(a < b) {
                    problems.append("\(partition): \(a) comes before \(b)")
                }
            }
            return problems
        }

        /// `file:pos:row` as a comparable triple.
        static func point(_ key: String) -> BinlogKey? {
            let parts = key.split(separator: ":")
            guard parts.count == 3, let pos = Int(parts[1]), let row = Int(parts[2]) else { return nil }
            return BinlogKey(file: String(parts[0]), pos: pos, row: row)
        }

        struct BinlogKey: Comparable, CustomStringConvertible {
            var file: String
            var pos: Int
            var row: Int
            static func < (a: BinlogKey, b: BinlogKey) -> Bool { (a.file, a.pos, a.row) < (b.file, b.pos, b.row) }
            var description: String { "\(file):\(pos):\(row)" }
        }

        // MARK: - json

        @Test(
            "json: every column type, DDL and transactions delivered; messages, keys, headers, order; replay equals SELECT"
        )
        func jsonFormat() throws {
            let workload = try workload()
            let prefix = LiveKafka.uniquePrefix("json")
            let state = scratch.appendingPathComponent("state").path
            let run = try runToKafka(workload, prefix: prefix, ["--state", state])
            #expect(run.status == 0, "\(run.summary)")
            #expect(run.result.stdout.isEmpty, "the kafka sink writes nothing to stdout")
            let messages = try LiveKafka.consume(prefix: prefix, expect: workload.records.count)

            var problems: [String] = []
            var records: [BinlogRecord] = []
            for message in messages {
                let record: BinlogRecord
                do { record = try message.record() } catch {
                    problems.append("\(message.topic)@\(message.offset): \(error)")
                    continue
                }
                records.append(record)
                let what = "\(message.topic)@\(message.offset) \(record.key)"
                if message.value != workload.lines[record.key] {
                    problems.append("\(what): the value differs from the stdout run's line for the same record")
                }
                if message.topic != prefix + "\(record.db).\(record.table)" {
                    problems.append("\(what): topic \(message.topic) for \(record.tableKey)")
                }
                if message.headers["op"] != record.op.rawValue || message.headers["key"] != record.key
                    || message.headers["position"] != "\(record.file):\(record.pos)"
                {
                    problems.append("\(what): headers \(message.headers)")
                }
                if let expected = LiveKafkaValues.keyImage(record) {
                    let key = try? message.jsonKey()
                    if key != .object(expected) {
                        problems.append(
                            "\(what): key \(key?.abbreviated() ?? "none"), expected \(JSONValue.object(expected).abbreviated())"
                        )
                    }
                }
            }
            expectNoProblems(problems, "json messages")
            let keys = records.map(\.key)
            let expectedKeys = workload.records.map(\.key)
            let missing = Set(expectedKeys).subtracting(keys)
            #expect(
                missing.isEmpty && keys.count == expectedKeys.count,
                "\(keys.count) messages for \(expectedKeys.count) records; \(missing.count) missing, e.g. \(missing.sorted().prefix(3))"
            )
            expectNoProblems(Self.orderProblems(messages) { $0.headers["key"] }, "binlog order per partition")
            expectNoProblems(try replayProblems(records, database: workload.database), "replay vs server")
        }

        // MARK: - debezium

        @Test("debezium: the same row changes as json, op c/u/d, before/after columns, keys, unchanged values equal")
        func debeziumFormat() throws {
            let workload = try workload()
            let prefix = LiveKafka.uniquePrefix("dbz")
            let run = try runToKafka(workload, prefix: prefix, ["--format", "debezium"])
            #expect(run.status == 0, "\(run.summary)")
            let messages = try LiveKafka.consume(prefix: prefix, expect: workload.records.count)
            let reference = Dictionary(workload.records.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            let ops: [BinlogRecord.Operation: String] = [.insert: "c", .update: "u", .delete: "d", .read: "r"]
            // Debezium writes these kinds like the native format (docs/formats.md).
            let sameKinds: Set<String> = ["integer", "decimal", "text", "binary", "float", "double", "year"]
            let kinds = Dictionary(
                uniqueKeysWithValues: LiveWorkload.tables.map { table in
                    (table.name, Dictionary(uniqueKeysWithValues: table.columns.map { ($0.name, $0) }))
                })
            var problems: [String] = []
            var seen: [String] = []
            for message in messages {
                let what = "\(message.topic)@\(message.offset)"
                guard let event = try? message.jsonValue(), let source = event["source"],
                    let file = source["file"]?.stringValue, let pos = source["pos"]?.integerValue,
                    let row = source["row"]?.integerValue
                else {
                    problems.append(
                        "\(what): not a Debezium envelope: \(message.value.map { String(decoding: $0.prefix(200), as: UTF8.self) } ?? "null")"
                    )
                    continue
                }
                let key = "\(file):\(pos):\(row)"
                seen.append(key)
                guard let record = reference[key] else {
                    problems.append("\(what): \(key) is not a record of the json run")
                    continue
                }
                if event["op"]?.stringValue != ops[record.op] {
                    problems.append("\(what) \(key): op \(event["op"]?.abbreviated() ?? "none") for \(record.op)")
                }
                if source["db"]?.stringValue != record.db || source["table"]?.stringValue != record.table {
                    problems.append("\(what) \(key): source db/table \(source.abbreviated())")
                }
                if message.headers["key"] != key || message.headers["op"] != record.op.rawValue {
                    problems.append("\(what) \(key): headers \(message.headers)")
                }
                if let expected = LiveKafkaValues.keyImage(record), (try? message.jsonKey()) != .object(expected) {
                    problems.append(
                        "\(what) \(key): key \(message.key.map { String(decoding: $0, as: UTF8.self) } ?? "none")")
                }
                for (name, image) in [("before", record.before), ("after", record.after)] {
                    let debezium = event[name]
                    guard let image else {
                        if debezium?.isNull != true { problems.append("\(what) \(key): \(name) should be null") }
                        continue
                    }
                    guard let object = debezium?.objectValue, object.keys == image.keys else {
                        problems.append(
                            "\(what) \(key): \(name) columns \(debezium?.objectValue?.keys ?? []), json has \(image.keys)"
                        )
                        continue
                    }
                    for (column, value) in image.entries {
                        guard let kind = kinds[record.table]?[column]?.kind, sameKinds.contains("\(kind)"),
                            kinds[record.table]?[column]?.type != "JSON"
                        else { continue }
                        if object[column] != value {
                            problems.append(
                                "\(what) \(key): \(name).\(column) \(object[column]?.abbreviated() ?? "absent"), json \(value.abbreviated())"
                            )
                        }
                    }
                }
            }
            expectNoProblems(problems, "debezium messages")
            let missing = Set(reference.keys).subtracting(seen)
            #expect(
                missing.isEmpty && seen.count == workload.records.count,
                "\(seen.count) messages for \(workload.records.count) records; \(missing.count) missing, e.g. \(missing.sorted().prefix(3))"
            )
        }

        // MARK: - avro

        @Test(
            "avro: confluent-kafka's AvroDeserializer decodes every key and value through --registry-listen; values equal json",
            .enabled(
                if: LiveKafka.port == nil || LiveKafka.avroConsumerReady,
                "python3 cannot import confluent_kafka.schema_registry.avro (it needs httpx, authlib, cachetools, fastavro)"
            ))
        func avroFormat() throws {
            let workload = try workload()
            let prefix = LiveKafka.uniquePrefix("avro")
            let registryPort = (Int(LiveKafka.port ?? "") ?? 0) + 7
            let registry = "127.0.0.1:\(registryPort)"
            let state = scratch.appendingPathComponent("state-avro").path
            let run = try LiveBackgroundRun([
                "run", "--source", source, "--start", workload.start.description, "--until", "never",
                "--sink", sink, "--topic", prefix + "{db}.{table}", "--include", "\(workload.database).*",
                "--format", "avro", "--state", state, "--registry-listen", registry, "--checkpoint-interval", "0.2",
            ])
            defer { run.stop(SIGTERM) }

            // The registry's own answers, before any consumer.
            let deadline = Date().addingTimeInterval(20)
            var subjects = LiveHTTP.Response(status: 0, body: "")
            while Date() < deadline, run.process.isRunning {
                if let answer = try? LiveHTTP.get(port: registryPort, "/subjects"), answer.body.contains(prefix) {
                    subjects = answer
                    break
                }
                usleep(100_000)
            }
            try #require(subjects.status == 200, "no subjects from the registry: \(run.summary)")
            #expect(run.stderr.contains("listening on http://\(registry)"), "\(run.stderr.prefix(1000))")
            let missingSchema = try LiveHTTP.get(port: registryPort, "/schemas/ids/999999")
            #expect(missingSchema.status == 404 && missingSchema.body.contains("40403"), "\(missingSchema)")
            let post = try LiveHTTP.request(
                port: registryPort, "POST /subjects/x/versions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            #expect(post.status == 405, "\(post)")
            let huge = try LiveHTTP.request(
                port: registryPort,
                "GET /subjects HTTP/1.1\r\nHost: x\r\nX-Filler: \(String(repeating: "a", count: 20_000))\r\n\r\n")
            #expect(huge.status == 431, "\(huge)")
            let garbage = try LiveHTTP.request(port: registryPort, "NONSENSE\r\n\r\n")
            #expect(garbage.status == 400, "\(garbage)")
            let afterErrors = try LiveHTTP.get(port: registryPort, "/subjects")
            #expect(afterErrors.status == 200, "the registry still answers after bad requests: \(afterErrors)")

            // The real consumer, while the run (and so the registry) is up.
            let messages = try LiveKafka.consume(
                prefix: prefix, expect: workload.records.count, timeout: 60, registry: "http://\(registry)")
            #expect(run.process.isRunning, "run --until never exited: \(run.summary)")

            let reference = Dictionary(workload.records.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            var problems: [String] = []
            var seen: [String] = []
            for message in messages {
                let what = "\(message.topic)@\(message.offset)"
                guard let value = message.valueAvro, let key = value["key"]?.stringValue else {
                    problems.append("\(what): no decoded value")
                    continue
                }
                seen.append(key)
                guard let record = reference[key] else {
                    problems.append("\(what): \(key) is not a record of the json run")
                    continue
                }
                let source = value["source"]
                if value["op"]?.stringValue != record.op.rawValue || value["db"]?.stringValue != record.db
                    || value["table"]?.stringValue != record.table || source?["file"]?.stringValue != record.file
                    || source?["pos"]?.integerValue != Int128(record.pos)
                    || source?["row"]?.integerValue != Int128(record.row)
                    || source?["server_id"] != record.serverID || source?["ts"] != record.ts
                    || source?["gtid"] != (record.gtid.map(JSONValue.string) ?? .null)
                {
                    problems.append("\(what) \(key): envelope \(value.abbreviated(300)) vs json \(record.description)")
                }
                if message.headers["key"] != key || message.headers["op"] != record.op.rawValue {
                    problems.append("\(what) \(key): headers \(message.headers)")
                }
                problems += LiveKafkaValues.avroImageProblems(
                    value["before"], record.before, table: record.table, what: "\(key) \(record.table) before")
                problems += LiveKafkaValues.avroImageProblems(
                    value["after"], record.after, table: record.table, what: "\(key) \(record.table) after")
                problems += LiveKafkaValues.avroImageProblems(
                    message.keyAvro, LiveKafkaValues.keyImage(record), table: record.table,
                    what: "\(key) \(record.table) message key")
            }
            expectNoProblems(problems, "avro messages")
            let missing = Set(reference.keys).subtracting(seen)
            #expect(
                missing.isEmpty && seen.count == workload.records.count,
                "\(seen.count) messages for \(workload.records.count) records; \(missing.count) missing, e.g. \(missing.sorted().prefix(3))"
            )
        }

        // MARK: - crash safety

        /// Small transactions on `db`.t and `db`.u: batch N inserts three rows, updates a row of batch N-1 and
        /// deletes one of batch N-2 (so every kind of change keeps happening); every 4th batch also touches u.
        static func loopSQL(_ database: String) -> @Sendable (Int) -> String {
            { batch in
                let base = batch * 3
                var sql = """
                    USE `\(database)`;
                    BEGIN;
                    INSERT INTO t VALUES (\(base + 1), 'a\(batch)', \(batch)), (\(base + 2), 'b\(batch)', \(batch)), (\(base + 3), REPEAT('c', \(batch % 200)), NULL);
                    UPDATE t SET n = COALESCE(n, 0) + 1000, v = CONCAT(v, '+') WHERE id = \(base - 1);
                    DELETE FROM t WHERE id = \(base - 3);
                    """
                if batch % 4 == 0 {
                    sql += "\nINSERT INTO u VALUES (\(batch), \(batch * 7)) ON DUPLICATE KEY UPDATE x = x + 1;"
                    sql += "\nUPDATE u SET x = -x WHERE id = \(batch - 4);"
                }
                return sql + "\nCOMMIT;\n"
            }
        }

        /// Runs `arguments` + `--until never` `times` times, each SIGKILLed after a random pause (µs); returns how many
        /// runs were killed (not finished by themselves) and each run's stderr.
        func killRepeatedly(
            _ arguments: [String], times: Int, pause: ClosedRange<UInt32>, logName: String
        ) throws -> (kills: Int, logs: [String]) {
            guard let executable = BinlogSinkCLI.executable else {
                throw LiveKafka.Failure(description: "binlog-sink executable not found")
            }
            var generator = SystemRandomNumberGenerator()
            var kills = 0
            var logs: [String] = []
            for index in 0..<times {
                let log = scratch.appendingPathComponent("\(logName)-\(index).log")
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments + ["--until", "never"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = try FileHandle(forWritingTo: log)
                try process.run()
                usleep(UInt32.random(in: LiveTiming.scaled(pause), using: &generator))
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
                process.waitUntilExit()
                logs.append(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self))
            }
            return (kills, logs)
        }

        func createLoopTables(_ database: String) throws {
            try client.run(
                """
                CREATE DATABASE `\(database)`;
                CREATE TABLE `\(database)`.t (id INT PRIMARY KEY, v VARCHAR(300), n INT);
                CREATE TABLE `\(database)`.u (id INT PRIMARY KEY, x BIGINT);
                """)
        }

        /// Offline `parse` of everything from `start` to now (closes the current binlog): the reference records.
        func offlineRecords(since start: LiveBinlogPoint, database: String) throws -> [BinlogRecord] {
            let files = try client.closedBinlogs(since: start.file)
            let reference = try BinlogSinkCLI.run(
                ["parse"] + files + ["--start-position", String(start.pos), "--include", "\(database).*"])
            guard reference.status == 0 else {
                throw LiveKafka.Failure(description: "parse: \(reference.stderr.prefix(1000))")
            }
            return try BinlogRecord.parseAll(reference.stdout)
        }

        /// Delivered records de-duplicated by key (first copy), in binlog order; plus the number of messages.
        static func deduplicated(_ messages: [LiveKafkaMessage]) throws -> (records: [BinlogRecord], copies: Int) {
            var seen = Set<String>()
            var unique: [BinlogRecord] = []
            for message in messages {
                let record = try message.record()
                if seen.insert(record.key).inserted { unique.append(record) }
            }
            return (unique.sorted { ($0.file, $0.pos, $0.row) < ($1.file, $1.pos, $1.row) }, messages.count)
        }

        func loopTablesProblems(_ records: [BinlogRecord], database: String) throws -> [String] {
            var replayer = RecordReplayer(primaryKey: { _ in ["id"] })
            replayer.apply(records)
            var problems = replayer.anomalies.map(\.description)
            for (table, columns) in [("t", ["id", "v", "n"]), ("u", ["id", "x"])] {
                let server = try client.selectText(columns, from: "`\(database)`.`\(table)` ORDER BY id")
                let replayed = LiveStateTests.replayedRows(replayer.rows("\(database).\(table)"), columns)
                if server != replayed {
                    let serverSet = Set(server.map { $0.map { $0 ?? "NULL" }.joined(separator: "|") })
                    let replayedSet = Set(replayed.map { $0.map { $0 ?? "NULL" }.joined(separator: "|") })
                    problems.append(
                        "\(table): server \(server.count) rows, replay \(replayed.count); only on the server: "
                            + "\(serverSet.subtracting(replayedSet).sorted().prefix(3)), only in the replay: "
                            + "\(replayedSet.subtracting(serverSet).sorted().prefix(3))")
                }
            }
            return problems
        }

        @Test(
            "crash safety: SIGKILL at 10 random moments during a workload; every change at least once, replay equals SELECT"
        )
        func crashSafety() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_kcrash")
            try createLoopTables(database)
            let start = try LiveBinlogPoint.current(client)
            let prefix = LiveKafka.uniquePrefix("crash")
            let state = scratch.appendingPathComponent("state-crash").path
            let arguments = [
                "run", "--source", source, "--start", start.description, "--state", state, "--sink", sink,
                "--topic", prefix + "{db}.{table}", "--include", "\(database).*", "--checkpoint-interval", "0.1",
            ]
            let loop = LiveLoopWorkload(client: client, pause: 10_000, sql: Self.loopSQL(database))
            let (kills, logs) = try killRepeatedly(arguments, times: 10, pause: 200_000...600_000, logName: "crash")
            loop.stop()
            #expect(kills == 10, "the run exited by itself before a kill: \(logs.filter { !$0.isEmpty }.prefix(2))")
            #expect(loop.committed > 20, "the workload committed only \(loop.committed) transactions")
            let resumed = logs.filter { $0.contains("resuming from the saved position") }.count
            #expect(resumed > 0, "no restart resumed from a checkpoint: the kills all came before the first one")

            let last = try BinlogSinkCLI.run(arguments + ["--until", "now"], timeout: 120)
            #expect(last.status == 0, "\(last.stderr.suffix(2000))")

            let expected = try offlineRecords(since: start, database: database)
            let messages = try LiveKafka.consume(prefix: prefix, expect: expected.count, timeout: 15)
            let (delivered, copies) = try Self.deduplicated(messages)
            let missing = Set(expected.map(\.key)).subtracting(delivered.map(\.key))
            let unexpected = Set(delivered.map(\.key)).subtracting(expected.map(\.key))
            #expect(
                missing.isEmpty && unexpected.isEmpty,
                "\(missing.count) missing (e.g. \(missing.sorted().prefix(3))), \(unexpected.count) unexpected (e.g. \(unexpected.sorted().prefix(3)))"
            )
            print(
                "LiveKafkaTests.crashSafety: \(loop.committed) transactions, \(expected.count) records, \(kills) kills "
                    + "(\(resumed) restarts resumed from a checkpoint), \(copies) messages, \(copies - delivered.count) duplicates"
            )
            expectNoProblems(
                Self.orderProblems(messages, firstCopiesOnly: true) { $0.headers["key"] }, "binlog order per partition")
            expectNoProblems(try loopTablesProblems(delivered, database: database), "replay vs server")
        }

        // MARK: - outage

        static let outageSeconds: Double = 20

        /// `position show --state DIR`: the position and transaction lines (not the update time).
        static func savedPosition(_ state: String) -> String {
            guard let shown = try? BinlogSinkCLI.run(["position", "show", "--state", state], timeout: 30),
                shown.status == 0
            else { return "(none)" }
            return shown.stdoutText.split(separator: "\n").filter {
                $0.hasPrefix("position:") || $0.hasPrefix("transaction:")
            }.joined(separator: "; ")
        }

        enum Outage: String, CustomStringConvertible, CaseIterable {
            /// The suite's broker gets SIGSTOP, then SIGCONT: connections stay open and hang.
            case frozen
            /// A broker of the test's own (S3-backed) is stopped (SIGTERM) and started again: connections are reset,
            /// then refused, then accepted by a new process that has kept the topics.
            case stopped
            var description: String { rawValue }
        }

        static let ownBrokerPorts: (kafka: Int, s3: Int)? = {
            let environment = ProcessInfo.processInfo.environment
            guard let kafka = environment["BINLOG_SINK_TEST_KAFKA_PORT2"].flatMap({ Int($0) }),
                let s3 = environment["BINLOG_SINK_TEST_S3_PORT"].flatMap({ Int($0) })
            else { return nil }
            return (kafka, s3)
        }()

        @Test(
            "broker outage: Tansu frozen, or stopped and started again, for 20 s mid-run; the run waits, the checkpoint does not move, then everything arrives",
            arguments: Outage.allCases)
        func brokerOutage(_ outage: Outage) throws {
            let tansu: LiveTansuServer?
            let brokers: String
            switch outage {
            case .frozen:
                guard LiveKafka.brokerPID() != nil else {
                    Issue.record(
                        "the Tansu broker's pid was not found (pgrep -f 'tansu broker'); set BINLOG_SINK_TEST_KAFKA_PID"
                    )
                    return
                }
                tansu = nil
                brokers = LiveKafka.brokers
            case .stopped:
                let ports = try #require(
                    Self.ownBrokerPorts,
                    "BINLOG_SINK_TEST_KAFKA_PORT2 and BINLOG_SINK_TEST_S3_PORT are not set (scripts/test sets them)")
                tansu = try LiveTansuServer(port: ports.kafka, advertisedPort: ports.kafka, s3Port: ports.s3)
                brokers = "127.0.0.1:\(ports.kafka)"
            }
            defer { tansu?.remove() }
            let database = LiveMariaDBTests.uniqueDatabase("bls_koutage")
            try createLoopTables(database)
            let start = try LiveBinlogPoint.current(client)
            let prefix = LiveKafka.uniquePrefix("outage")
            let state = scratch.appendingPathComponent("state-outage-\(outage)").path
            let run = try LiveBackgroundRun([
                "run", "--source", source, "--start", start.description, "--until", "never", "--state", state,
                "--sink", "kafka://\(brokers)", "--topic", prefix + "{db}.{table}", "--include", "\(database).*",
                "--checkpoint-interval", "0.2",
            ])
            defer { run.stop(SIGKILL) }
            let loop = LiveLoopWorkload(client: client, pause: 30_000, sql: Self.loopSQL(database))
            var loopStopped = false
            defer { if !loopStopped { loop.stop() } }

            // Flowing: a position saved.
            let flowing = Date().addingTimeInterval(20)
            while Self.savedPosition(state) == "(none)", Date() < flowing, run.process.isRunning { usleep(100_000) }
            let before = Self.savedPosition(state)
            try #require(before != "(none)", "no checkpoint before the outage: \(run.summary)")
            usleep(500_000)

            var back: () throws -> Void
            switch outage {
            case .frozen:
                let pid = try #require(LiveKafka.brokerPID())
                kill(pid, SIGSTOP)
                back = { kill(pid, SIGCONT) }
            case .stopped:
                let tansu = try #require(tansu)
                try tansu.stop()
                back = { try tansu.start() }
            }
            var ended = false
            defer { if !ended { try? back() } }
            let stoppedAt = Date()
            usleep(1_000_000)
            let committedAtStop = loop.committed
            let held = Self.savedPosition(state)
            var samples: [String] = []
            while Date().timeIntervalSince(stoppedAt) < Self.outageSeconds {
                usleep(2_000_000)
                samples.append(Self.savedPosition(state))
                if !run.process.isRunning { break }
            }
            let committedDuringStop = loop.committed - committedAtStop
            ended = true
            try back()
            #expect(run.process.isRunning, "the run exited while the broker was away: \(run.summary)")
            #expect(
                samples.allSatisfy { $0 == held },
                "the saved position moved while the broker was away: \(held) → \(samples)")
            #expect(committedDuringStop > 0, "the workload committed nothing during the outage: nothing was pending")

            usleep(1_500_000)
            loop.stop()
            loopStopped = true
            let expected = try offlineRecords(since: start, database: database)
            let messages = try LiveKafka.consume(prefix: prefix, expect: expected.count, timeout: 60, brokers: brokers)
            #expect(run.process.isRunning, "the run exited after the outage: \(run.summary)")
            let (delivered, copies) = try Self.deduplicated(messages)
            let missing = Set(expected.map(\.key)).subtracting(delivered.map(\.key))
            #expect(missing.isEmpty, "\(missing.count) missing after the outage, e.g. \(missing.sorted().prefix(3))")
            let after = Self.savedPosition(state)
            #expect(after != held, "the saved position did not move after the broker came back: \(after)")
            print(
                "LiveKafkaTests.brokerOutage(\(outage)): broker away \(Self.outageSeconds) s, \(committedDuringStop) "
                    + "transactions committed meanwhile, \(expected.count) records, \(copies) messages; position "
                    + "\(held) held over \(samples.count) samples; stderr: \(run.stderr.suffix(600))")
            expectNoProblems(try loopTablesProblems(delivered, database: database), "replay vs server")
        }
    }
}

/// A minimal HTTP/1.1 client over a POSIX socket, for the embedded schema registry's error answers (raw requests a
/// library would refuse to send).
enum LiveHTTP {
    struct Response: CustomStringConvertible {
        var status: Int
        var body: String
        var description: String { "HTTP \(status) \(body.prefix(300))" }
    }

    static func get(port: Int, _ path: String) throws -> Response {
        try request(port: port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n")
    }

    /// Sends `raw` to 127.0.0.1:`port` and reads the answer until the server closes the connection.
    static func request(port: Int, _ raw: String) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LiveKafka.Failure(description: "socket: \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw LiveKafka.Failure(description: "connect to port \(port): errno \(errno)") }
        let bytes = Array(raw.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }  // the server may answer (431) and close before reading everything
            sent += count
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            answer += buffer[0..<count]
        }
        let text = String(decoding: answer, as: UTF8.self)
        let statusLine = text.prefix { $0 != "\r" }.split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw LiveKafka.Failure(description: "not an HTTP answer: \(text.prefix(200))")
        }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return Response(status: status, body: body)
    }
}
