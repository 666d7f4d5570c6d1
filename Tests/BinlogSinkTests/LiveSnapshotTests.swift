import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `binlog-sink snapshot` and `run --snapshot` against the throwaway MariaDB scripts/test starts: snapshot records
// rendered byte for byte like the binlog's, the hand-over from snapshot to stream under a concurrent write load, a
// snapshot killed with SIGKILL resuming at its last acknowledged chunk, on-demand re-snapshots, and Kafka.

extension LiveServer {
    @Suite(
        "Live snapshot: consistent initial snapshot and hand-over to the binlog",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil,
            "needs a live server: BINLOG_SINK_TEST_MYSQL_SOCKET and _PORT (scripts/test starts one)")
    )
    struct LiveSnapshotTests {
        let client: MariaDBClient
        let port: String

        init() throws {
            guard let client = MariaDBClient.fromEnvironment, let port = liveRunPort else {
                throw MariaDBClient.Failure(message: "BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT are not set")
            }
            self.client = client
            self.port = port
        }

        var source: String { "mysql://root@127.0.0.1:\(port)" }

        func cli(_ arguments: [String], timeout: TimeInterval = 300) throws -> ParseRun {
            ParseRun(arguments: arguments, result: try BinlogSinkCLI.run(arguments, timeout: timeout))
        }

        func currentPosition() throws -> String {
            guard let row = try client.lines("SHOW MASTER STATUS").first, row.count >= 2 else {
                throw MariaDBClient.Failure(message: "SHOW MASTER STATUS returned nothing")
            }
            return "\(row[0]):\(row[1])"
        }

        static func scratch(_ name: String) throws -> URL {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "binlog-sink-snap-\(name)-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }

        /// The table of a record line (native: top-level db/table; Debezium: in source) and its op.
        static func identity(_ line: [UInt8]) throws -> (table: String, op: String) {
            let value = try JSONParser.parse(bytes: line)
            if let db = value["db"]?.stringValue, let table = value["table"]?.stringValue,
                let op = value["op"]?.stringValue
            {
                return ("\(db).\(table)", op)
            }
            guard let source = value["source"], let db = source["db"]?.stringValue,
                let table = source["table"]?.stringValue, let op = value["op"]?.stringValue
            else { throw MariaDBClient.Failure(message: "not a record: \(value.abbreviated())") }
            return ("\(db).\(table)", op)
        }

        static func lines(_ data: Data) -> [[UInt8]] {
            data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { Array($0) }
        }

        /// Per table, the multiset of row images (their exact rendered text) left after applying every record:
        /// inserts and reads add their after image, deletes remove their before image, updates both.
        static func materializedTexts(_ lines: [[UInt8]]) throws -> [String: [String: Int]] {
            var tables: [String: [String: Int]] = [:]
            for line in lines {
                let (table, op) = try identity(line)
                var rows = tables[table] ?? [:]
                if ["update", "u", "delete", "d"].contains(op), let before = RecordImageText.member("before", of: line)
                {
                    rows[before, default: 0] -= 1
                    if rows[before] == 0 { rows[before] = nil }
                }
                if op != "delete" && op != "d", let after = RecordImageText.member("after", of: line) {
                    rows[after, default: 0] += 1
                }
                tables[table] = rows
            }
            return tables
        }

        @Test(
            "snapshot records render every column type byte for byte like the binlog's records of the same rows",
            arguments: [("json", true), ("debezium", false)])
        func renderingMatchesBinlog(format: String, fullMetadata: Bool) throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_snapr")
            let live = try LiveMariaDBTests()
            let start = try currentPosition()
            // The live workload's tables (every type it covers) plus the types and keys it does not: geometry,
            // INET4/INET6/UUID, and primary keys of strings in another character set, temporal, DECIMAL, ENUM and BIT
            // columns (the chunk bound must compare exactly like ORDER BY).
            let sql = LiveWorkload.sql(database: database) + ";\n" + Self.extraSQL
            if fullMetadata {
                _ = try live.withFullRowMetadata { try client.run(sql) }
            } else {
                _ = try client.run(sql)
            }
            defer { _ = try? client.run("DROP DATABASE IF EXISTS `\(database)`") }
            let include = ["--include", "\(database).*", "--exclude", "\(database).t_alter"]
            let streamed = try cli(
                ["run", "--source", source, "--start", start, "--until", "now", "--format", format] + include)
            #expect(streamed.status == 0, "\(streamed.summary)")
            // Small chunks: every table with a key is read in several chunks.
            let snapshot = try cli(
                ["snapshot", "--source", source, "--format", format, "--snapshot-chunk-size", "2"] + include)
            #expect(snapshot.status == 0, "\(snapshot.summary)")

            let snapshotLines = Self.lines(snapshot.result.stdout)
            var ops = Set<String>()
            for line in snapshotLines { ops.insert(try Self.identity(line).op) }
            #expect(ops == [format == "json" ? "read" : "r"], "snapshot ops: \(ops)")
            let expected = try Self.materializedTexts(Self.lines(streamed.result.stdout))
            let actual = try Self.materializedTexts(snapshotLines)
            var problems: [String] = []
            for tableName in LiveWorkload.tables.map(\.name) + ["x_geo", "x_keys", "x_enum_bit"]
            where tableName != "t_alter" {
                let name = "\(database).\(tableName)"
                let want = expected[name] ?? [:]
                let got = actual[name] ?? [:]
                if want.isEmpty { problems.append("\(name): the binlog left no rows (workload changed?)") }
                for (text, count) in want where got[text] != count {
                    problems.append("\(name): binlog row \(text.prefix(300)) ×\(count), snapshot ×\(got[text] ?? 0)")
                }
                for (text, count) in got where want[text] == nil {
                    problems.append("\(name): snapshot row \(text.prefix(300)) ×\(count) is not in the binlog's")
                }
            }
            expectNoProblems(problems, "snapshot vs binlog (\(format), full metadata: \(fullMetadata))")
        }

        static let extraSQL = """
            CREATE TABLE x_geo (id INT PRIMARY KEY, g GEOMETRY, p POINT, i4 INET4, i6 INET6, u UUID) ENGINE=InnoDB;
            INSERT INTO x_geo VALUES
              (1, ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), ST_GeomFromText('POINT(1.5 -2)', 4326),
               '10.0.0.1', '2001:db8::1', '123e4567-e89b-12d3-a456-426614174000'),
              (2, NULL, ST_GeomFromText('POINT(0 0)'), '0.0.0.0', '::', '00000000-0000-0000-0000-000000000000'),
              (3, ST_GeomFromText('LINESTRING(0 0,10 10,20 25)'), NULL, NULL, '::ffff:1.2.3.4', NULL);
            CREATE TABLE x_keys (
              k VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_german1_ci NOT NULL, t DATETIME(3) NOT NULL,
              d DECIMAL(10,2) NOT NULL, v VARCHAR(10), PRIMARY KEY (k, t, d)) ENGINE=InnoDB;
            INSERT INTO x_keys VALUES
              ('a', '2020-01-01 00:00:00.000', 1.5, 'v1'), ('a', '2020-01-01 00:00:00.000', -1.5, 'v2'),
              ('a', '2020-01-01 00:00:00.001', 0, 'v3'), ('Ä', '2020-01-01 00:00:00.000', 1, 'v4'),
              ('ä', '1999-12-31 23:59:59.999', 1, 'v5'), ('B', '2020-01-01 00:00:00.000', 1, 'v6'),
              ('z''q', '2020-01-01 00:00:00.000', 1, 'v7'), ('z', '2020-01-01 00:00:00.000', 1, 'v8');
            CREATE TABLE x_enum_bit (e ENUM('b', 'a', 'c') NOT NULL, b BIT(12) NOT NULL, v INT,
              PRIMARY KEY (e, b)) ENGINE=InnoDB;
            INSERT INTO x_enum_bit VALUES ('a', b'1', 1), ('a', b'111111111111', 2), ('b', b'0', 3), ('c', b'10', 4),
              ('b', b'100000000000', 5);
            """

        /// Rows of `table` as "v1|v2|…" (NULL as \N), sorted.
        func serverRows(_ columns: [String], _ table: String) throws -> [String] {
            try client.selectText(columns.map { "`\($0)`" }, from: table).map { row in
                row.map { $0 ?? "\\N" }.joined(separator: "|")
            }.sorted()
        }

        /// A background writer: inserts, updates and deletes on `db`.t and inserts/deletes on `db`.n until stopped.
        final class Writer: @unchecked Sendable {
            let client: MariaDBClient
            let database: String
            private let lock = NSLock()
            private var stopping = false
            private var finished = DispatchSemaphore(value: 0)
            private(set) var statements = 0
            private(set) var failure: String?

            init(client: MariaDBClient, database: String) {
                self.client = client
                self.database = database
            }

            func start() {
                Thread.detachNewThread { [self] in
                    var round = 0
                    while !lock.withLock({ stopping }) {
                        round += 1
                        let sql = """
                            USE `\(database)`;
                            INSERT INTO t (v, s) VALUES (\(round), 'new \(round)'), (\(round), 'new b \(round)');
                            UPDATE t SET v = v + 1, s = CONCAT('u', \(round)) WHERE id % 97 = \(round % 97);
                            DELETE FROM t WHERE id % 211 = \(round % 211) LIMIT 3;
                            INSERT INTO n VALUES (\(round), 'n \(round)');
                            DELETE FROM n WHERE a = \(round - 5) LIMIT 1;
                            """
                        do { _ = try client.run(sql) } catch {
                            lock.withLock { failure = "\(error)" }
                            break
                        }
                        lock.withLock { statements += 6 }
                    }
                    finished.signal()
                }
            }

            func stop() {
                lock.withLock { stopping = true }
                finished.wait()
            }
        }

        func createLoadTables(_ database: String, rows: Int) throws {
            _ = try client.run(
                """
                CREATE DATABASE `\(database)`;
                USE `\(database)`;
                CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT, s VARCHAR(40)) ENGINE=InnoDB;
                CREATE TABLE n (a INT, b VARCHAR(20)) ENGINE=InnoDB;
                INSERT INTO t (v, s) SELECT seq, CONCAT('row ', seq) FROM seq_1_to_\(rows);
                INSERT INTO n SELECT seq % 50, CONCAT('n ', seq) FROM seq_1_to_\(rows / 10);
                """)
        }

        /// Keyed replay (fast for large tables): t by id, n (no primary key) as a multiset of whole rows.
        struct Materialized {
            var t: [Int128: String] = [:]
            var n: [String: Int] = [:]
            var anomalies: [String] = []

            static func text(_ image: JSONObject, _ columns: [String]) -> String {
                columns.map { column -> String in
                    switch image[column] {
                    case .string(let text)?: return text
                    case .number(let text)?: return text
                    case .null?, nil: return "\\N"
                    case let other?: return other.abbreviated()
                    }
                }.joined(separator: "|")
            }

            mutating func apply(_ record: BinlogRecord) {
                switch record.table {
                case "t":
                    let columns = ["id", "v", "s"]
                    if let before = record.before, record.op == .update || record.op == .delete {
                        guard let id = before["id"]?.integerValue, t.removeValue(forKey: id) != nil else {
                            anomalies.append("\(record.op.rawValue) at \(record.key): no row matches the before image")
                            if record.op == .delete { return }
                            break
                        }
                    }
                    if let after = record.after, record.op != .delete, let id = after["id"]?.integerValue {
                        if record.op != .update && t[id] != nil {
                            anomalies.append("\(record.op.rawValue) at \(record.key): duplicates key \(id)")
                        }
                        t[id] = Self.text(after, columns)
                    }
                case "n":
                    let columns = ["a", "b"]
                    if let before = record.before, record.op == .update || record.op == .delete {
                        let text = Self.text(before, columns)
                        if let count = n[text] {
                            n[text] = count > 1 ? count - 1 : nil
                        } else {
                            anomalies.append("\(record.op.rawValue) at \(record.key): no row matches the before image")
                        }
                    }
                    if let after = record.after, record.op != .delete { n[Self.text(after, columns), default: 0] += 1 }
                default:
                    anomalies.append("a record of an unexpected table \(record.table)")
                }
            }
        }

        func expectMaterializes(_ directory: URL, _ database: String, allowResumeDuplicates: Bool) throws {
            let output = try LiveFileSinkOutput(directory, layout: .perTable)
            expectNoProblems(output.problems, "file sink output")
            let (records, problems) = output.records(output.lines)
            expectNoProblems(problems, "file sink records")
            var materialized = Materialized()
            for record in records { materialized.apply(record) }
            let anomalies = materialized.anomalies.filter { anomaly in
                // After a resume, rows read again and changes re-applied from the oldest position are expected.
                !(allowResumeDuplicates
                    && (anomaly.contains("duplicates key") || anomaly.contains("no row matches")))
            }
            expectNoProblems(anomalies, "replaying the snapshot and the stream")
            let tRows = materialized.t.values.sorted()
            let tServer = try serverRows(["id", "v", "s"], "`\(database)`.t")
            #expect(tRows.count == tServer.count, "t: \(tRows.count) replayed rows, \(tServer.count) on the server")
            let tSame = tRows == tServer
            #expect(tSame, "t: replayed rows differ from SELECT")
            let nRows = materialized.n.flatMap { Array(repeating: $0.key, count: $0.value) }.sorted()
            let nServer = try serverRows(["a", "b"], "`\(database)`.n")
            let nSame = nRows == nServer
            #expect(nSame, "n (no primary key): \(nRows.count) replayed rows, \(nServer.count) on the server")
        }

        @Test("run --snapshot initial under a concurrent write load: snapshot + stream materialize to SELECT")
        func handOverUnderLoad() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_snapl")
            try createLoadTables(database, rows: 30_000)
            defer { _ = try? client.run("DROP DATABASE IF EXISTS `\(database)`") }
            let directory = try Self.scratch("load")
            defer { try? FileManager.default.removeItem(at: directory) }
            let state = directory.appendingPathComponent("state").path
            let sinkDirectory = directory.appendingPathComponent("out")
            let writer = Writer(client: client, database: database)
            writer.start()
            let common = [
                "--source", source, "--state", state, "--sink", "file:\(sinkDirectory.path)", "--include",
                "\(database).*",
            ]
            let first = try cli(
                ["run", "--snapshot", "initial", "--until", "now", "--snapshot-chunk-size", "1000"] + common)
            writer.stop()
            #expect(writer.failure == nil, "writer: \(writer.failure ?? "")")
            #expect(first.status == 0, "\(first.summary)")
            #expect(first.stderr.contains("snapshot: "), "no summary: \(first.stderr)")
            #expect(first.stderr.contains("stream: final position"), "no final position: \(first.stderr)")
            #expect(writer.statements > 0)
            // The rest of the changes; the finished snapshot is not taken again.
            let second = try cli(["run", "--snapshot", "initial", "--until", "now"] + common)
            #expect(second.status == 0, "\(second.summary)")
            #expect(second.stderr.contains("finished snapshot"), "\(second.stderr)")
            let output = try LiveFileSinkOutput(sinkDirectory, layout: .perTable)
            let reads = output.records(output.lines).records.filter { $0.op == .read }.count
            // Each writer round removes at most one row net (3 inserts, up to 4 deletes): rounds that ran before the
            // snapshot's view leave fewer rows than the 33,000 loaded (the replay below checks every row).
            let rounds = writer.statements / 6
            #expect(
                reads >= 33_000 - rounds && reads <= 33_000 + 3 * rounds, "read records: \(reads), \(rounds) rounds")
            try expectMaterializes(sinkDirectory, database, allowResumeDuplicates: false)
        }

        @Test("a snapshot killed with SIGKILL resumes at its last acknowledged chunk and still materializes")
        func killedSnapshotResumes() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_snapk")
            let total = 60_000
            try createLoadTables(database, rows: total)
            defer { _ = try? client.run("DROP DATABASE IF EXISTS `\(database)`") }
            let directory = try Self.scratch("kill")
            defer { try? FileManager.default.removeItem(at: directory) }
            let state = directory.appendingPathComponent("state").path
            let sinkDirectory = directory.appendingPathComponent("out")
            let common = [
                "--source", source, "--state", state, "--sink", "file:\(sinkDirectory.path)", "--include",
                "\(database).*",
            ]
            let background = try LiveBackgroundRun(
                ["snapshot", "--snapshot-chunk-size", "100", "--checkpoint-interval", "0.001"] + common)
            let segment = sinkDirectory.appendingPathComponent("\(database).t.jsonl")
            let deadline = Date().addingTimeInterval(60)
            var seen = 0
            while Date() < deadline && background.process.isRunning {
                seen = ((try? Data(contentsOf: segment)) ?? Data()).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                if seen >= 5_000 { break }
                usleep(20_000)
            }
            #expect(background.process.isRunning, "the snapshot ended before it could be killed: \(background.stderr)")
            background.stop(SIGKILL)
            // What reached the file before the kill (the run went on between the last poll and the signal).
            seen = ((try? Data(contentsOf: segment)) ?? Data()).reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            #expect(seen >= 5_000 && seen < total, "killed after \(seen) rows of t")
            let progress = try Self.sqlite(state, "SELECT row_count FROM snapshot_progress WHERE table_name = 't'")
            let saved = Int(progress.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            #expect(saved >= 1_000, "the state saved \(saved) rows of t before the kill")
            // Changes while no snapshot runs: updates of rows already copied and of rows not yet copied.
            _ = try client.run(
                """
                USE `\(database)`;
                UPDATE t SET v = -v WHERE id % 1000 = 7;
                DELETE FROM t WHERE id % 1000 = 8;
                INSERT INTO t (v, s) VALUES (1, 'after kill'), (2, 'after kill');
                DELETE FROM n WHERE a = 3;
                """)
            let writer = Writer(client: client, database: database)
            writer.start()
            let resumed = try cli(["run", "--snapshot", "initial", "--until", "now"] + common)
            writer.stop()
            #expect(resumed.status == 0, "\(resumed.summary)")
            #expect(resumed.stderr.contains("resumes after \(saved) rows"), "\(resumed.stderr)")
            let output = try LiveFileSinkOutput(sinkDirectory, layout: .perTable)
            let reads = output.records(output.lines).records.filter { $0.op == .read && $0.table == "t" }.count
            // Rows read before the kill (up to `seen`) plus the rest after the resume point: not everything twice.
            #expect(reads < total + (seen - saved) + 2_000, "\(reads) read records of t: the snapshot started over?")
            // Catch up with the writer's last changes, then compare.
            let tail = try cli(["run", "--until", "now"] + common)
            #expect(tail.status == 0, "\(tail.summary)")
            try expectMaterializes(sinkDirectory, database, allowResumeDuplicates: true)
        }

        static func sqlite(_ state: String, _ sql: String) throws -> String {
            let result = try MariaDBClient.runProcess(
                "/usr/bin/sqlite3", ["\(state)/state.sqlite", sql], input: Data(), timeout: 30)
            return String(decoding: result.stdout, as: UTF8.self)
        }

        @Test("snapshot --table db.t --where re-snapshots one table without a state; --state is refused with --table")
        func onDemandTable() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_snapt")
            try createLoadTables(database, rows: 100)
            defer { _ = try? client.run("DROP DATABASE IF EXISTS `\(database)`") }
            let run = try cli([
                "snapshot", "--source", source, "--table", "\(database).t", "--where", "id <= 10 OR s = 'row 50'",
                "--snapshot-chunk-size", "3",
            ])
            #expect(run.status == 0, "\(run.summary)")
            let records = try run.records()
            #expect(records.count == 11, "\(records.count) records")
            #expect(records.allSatisfy { $0.op == .read && $0.table == "t" })
            let ids = records.compactMap { $0.after?["id"]?.integerValue }.sorted()
            #expect(ids == (1...10).map { Int128($0) } + [50])
            let refused = try cli([
                "snapshot", "--source", source, "--table", "\(database).t", "--state", "/tmp/never-used",
            ])
            #expect(refused.status == 64, "\(refused.summary)")
            #expect(refused.stderr.contains("never uses a state"), "\(refused.stderr)")
        }

        @Test("run --snapshot only and snapshot: rows done per table in --metrics-file, --progress lines")
        func metricsAndProgress() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_snapm")
            try createLoadTables(database, rows: 20_000)
            defer { _ = try? client.run("DROP DATABASE IF EXISTS `\(database)`") }
            let directory = try Self.scratch("metrics")
            defer { try? FileManager.default.removeItem(at: directory) }
            let counts = try ["t", "n"].map { table -> Double in
                let text = try client.lines("SELECT COUNT(*) FROM `\(database)`.`\(table)`").first?.first ?? ""
                return Double(text) ?? -1
            }
            let metricsFile = directory.appendingPathComponent("run.prom").path
            let run = try cli([
                "run", "--snapshot", "only", "--source", source, "--state", directory.appendingPathComponent("s").path,
                "--sink", "file:" + directory.appendingPathComponent("out").path, "--include", "\(database).*",
                "--snapshot-chunk-size", "1000", "--metrics-file", metricsFile, "--progress", "lines",
                "--progress-interval", "0.5",
            ])
            #expect(run.status == 0, "\(run.summary)")
            let metrics = try PrometheusText(String(contentsOfFile: metricsFile, encoding: .utf8))
            func rows(_ name: String, _ table: String) -> Double? {
                metrics.samples.first { $0.name == name && $0.labels["table"] == "\(database).\(table)" }?.value
            }
            #expect(
                rows("binlog_sink_snapshot_rows_done", "t") == counts[0],
                "t: \(String(describing: rows("binlog_sink_snapshot_rows_done", "t")))")
            #expect(
                rows("binlog_sink_snapshot_rows_done", "n") == counts[1],
                "n: \(String(describing: rows("binlog_sink_snapshot_rows_done", "n")))")
            #expect(rows("binlog_sink_snapshot_rows_estimated", "t") != nil, "no estimate for t")
            #expect(metrics.types["binlog_sink_snapshot_rows_done"] == "gauge")
            let total = Int(counts[0] + counts[1])
            let progress = run.stderr.split(separator: "\n").filter { $0.contains("progress: snapshot:") }
            #expect(!progress.isEmpty, "no snapshot progress line: \(run.stderr)")
            let last = progress.last.map(String.init) ?? ""
            #expect(last.contains("100.0% \(total) rows of \(total) rows") && last.contains("rows/s"), "\(last)")

            // The `snapshot` command: the same options.
            let commandMetrics = directory.appendingPathComponent("snapshot.prom").path
            let command = try cli([
                "snapshot", "--source", source, "--table", "\(database).t", "--snapshot-chunk-size", "3000",
                "--sink", "file:" + directory.appendingPathComponent("again").path, "--metrics-file", commandMetrics,
                "--progress", "lines",
            ])
            #expect(command.status == 0, "\(command.summary)")
            let again = try PrometheusText(String(contentsOfFile: commandMetrics, encoding: .utf8))
            let done = again.samples.first {
                $0.name == "binlog_sink_snapshot_rows_done" && $0.labels["table"] == "\(database).t"
            }
            #expect(done?.value == counts[0], "snapshot --table: \(String(describing: done))")
            #expect(command.stderr.contains("progress: snapshot: 100.0% 20000 rows of 20000 rows"), "\(command.stderr)")
        }

        @Test(
            "run --snapshot only into Kafka (Tansu): every row once, values as SELECT",
            .enabled(if: LiveKafka.consumerReady, "needs the Tansu broker and python confluent_kafka"))
        func snapshotToKafka() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_snapq")
            try createLoadTables(database, rows: 5_000)
            defer { _ = try? client.run("DROP DATABASE IF EXISTS `\(database)`") }
            let prefix = LiveKafka.uniquePrefix("snap")
            let directory = try Self.scratch("kafka")
            defer { try? FileManager.default.removeItem(at: directory) }
            let run = try cli([
                "run", "--snapshot", "only", "--source", source, "--state", directory.path, "--sink",
                "kafka://\(LiveKafka.brokers)", "--topic", prefix + "{db}.{table}", "--include", "\(database).*",
            ])
            #expect(run.status == 0, "\(run.summary)")
            let messages = try LiveKafka.consume(prefix: prefix, expect: 5_500)
            #expect(messages.count == 5_500, "\(messages.count) messages")
            var materialized = Materialized()
            for message in messages { materialized.apply(try message.record()) }
            expectNoProblems(materialized.anomalies, "replaying the Kafka messages")
            let tSame = try materialized.t.values.sorted() == serverRows(["id", "v", "s"], "`\(database)`.t")
            #expect(tSame, "t from Kafka differs from SELECT")
            let keyed = messages.filter { $0.topic.hasSuffix(".t") }.allSatisfy { $0.key != nil }
            #expect(keyed, "every message of t has a key")
            let saved = try Self.sqlite(directory.path, "SELECT finished FROM snapshot_run")
            #expect(saved.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        }
    }
}
