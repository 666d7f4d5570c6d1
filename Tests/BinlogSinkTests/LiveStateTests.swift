import Foundation
import Testing

// `run --state DIR`: checkpoints (position + schema history) and resuming from them, against the throwaway MariaDB
// scripts/test starts: catch-up across runs with DDL in between, crashes (SIGKILL) inside a large transaction with
// the file sink, and the saved registry used offline (`parse --state`, `schema show --state`).

extension LiveServer {
    @Suite(
        "Live state: checkpoints, resume, crash safety (file sink)",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil,
            "needs a live server: BINLOG_SINK_TEST_MYSQL_SOCKET and _PORT (scripts/test starts one)")
    )
    struct LiveStateTests {
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
                "bls-state-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        }

        var source: String { "mysql://root@127.0.0.1:\(port)" }

        func position() throws -> String {
            guard let row = try client.lines("SHOW MASTER STATUS").first, row.count >= 2 else {
                throw MariaDBClient.Failure(message: "SHOW MASTER STATUS returned nothing")
            }
            return "\(row[0]):\(row[1])"
        }

        func run(_ arguments: [String]) throws -> ParseRun {
            ParseRun(arguments: ["run"] + arguments, result: try BinlogSinkCLI.run(["run"] + arguments))
        }

        /// The table's rows as the server returns them, as text (NULL as nil), ordered by id.
        func serverRows(_ table: String, _ columns: [String]) throws -> [[String?]] {
            try client.selectText(columns, from: "\(table) ORDER BY id")
        }

        /// Replayed rows as text in the same shape, ordered by id.
        static func replayedRows(_ rows: [JSONObject], _ columns: [String]) -> [[String?]] {
            func text(_ value: JSONValue?) -> String? {
                switch value {
                case .none, .null?: return nil
                case .string(let text)?: return text
                case .number(let text)?: return text
                case let other?: return other.abbreviated(10_000)
                }
            }
            return rows.map { row in columns.map { text(row[$0]) } }
                .sorted { Int($0.first.flatMap { $0 } ?? "") ?? 0 < Int($1.first.flatMap { $0 } ?? "") ?? 0 }
        }

        /// Bytes in the files of a directory (0 when it does not exist).
        static func directorySize(_ directory: URL) -> Int {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.reduce(0) { total, name in
                let path = directory.appendingPathComponent(name).path
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                return total + (size ?? 0)
            }
        }

        /// Applies records in order to tables keyed by their `id` column: `db.table` → id → row.
        static func replayByID(_ records: [BinlogRecord]) -> [String: [String: JSONObject]] {
            var tables: [String: [String: JSONObject]] = [:]
            func id(_ row: JSONObject?) -> String? { row?["id"].map { $0.abbreviated(100) } }
            for record in records {
                if let old = id(record.before) { tables[record.tableKey, default: [:]][old] = nil }
                if let after = record.after, let new = id(after) { tables[record.tableKey, default: [:]][new] = after }
            }
            return tables
        }

        /// Records of every JSON Lines file in a file sink's directory, de-duplicated by key (first copy kept) and
        /// put in binlog order (file, pos, row); also returns how many copies there were.
        static func fileSinkRecords(_ directory: URL) throws -> (records: [BinlogRecord], copies: Int) {
            var all: [BinlogRecord] = []
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            where name.hasSuffix(".jsonl") {
                all += try BinlogRecord.parseAll(Data(contentsOf: directory.appendingPathComponent(name)))
            }
            var seen = Set<String>()
            let unique = all.filter { seen.insert($0.key).inserted }
            return (unique.sorted { ($0.file, $0.pos, $0.row) < ($1.file, $1.pos, $1.row) }, all.count)
        }

        @Test(
            "catch-up across runs: the second run resumes at the saved position, with the schema saved before the ALTER"
        )
        func catchUpAcrossRuns() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_state")
            let state = scratch.appendingPathComponent("state").path
            try client.run(
                """
                CREATE DATABASE `\(database)`;
                CREATE TABLE `\(database)`.t (id INT PRIMARY KEY, v VARCHAR(20), gone INT);
                """)
            let start = try position()
            try client.run(
                "INSERT INTO `\(database)`.t VALUES (1, 'one', 10), (2, 'two', 20); DELETE FROM `\(database)`.t WHERE id = 2;"
            )
            let first = try run([
                "--source", source, "--start", start, "--until", "now", "--state", state, "--include", "\(database).*",
            ])
            #expect(first.status == 0, "\(first.summary)")
            #expect(try first.records().map(\.op) == [.insert, .insert, .delete])
            let saved = try position()

            // Stopped: DML, an ALTER that drops one column and adds another, more DML.
            try client.run(
                """
                INSERT INTO `\(database)`.t VALUES (3, 'three', 30);
                UPDATE `\(database)`.t SET v = 'uno' WHERE id = 1;
                ALTER TABLE `\(database)`.t DROP COLUMN gone, ADD COLUMN added DATE AFTER id;
                INSERT INTO `\(database)`.t VALUES (4, '2024-02-29', 'four');
                UPDATE `\(database)`.t SET added = '2000-01-01' WHERE id = 3;
                """)
            let positionShow = try BinlogSinkCLI.run(["position", "show", "--state", state])
            #expect(positionShow.stdoutText.contains("position:    \(saved)"), "\(positionShow.stdoutText)")
            let serverID = try client.scalar("SELECT @@server_id")
            #expect(positionShow.stdoutText.contains("server:      id \(serverID)"), "\(positionShow.stdoutText)")

            // No --start: the saved position wins (and --start earliest would be ignored with a note).
            let second = try run([
                "--source", source, "--start", "earliest", "--until", "now", "--state", state,
                "--include", "\(database).*",
            ])
            #expect(second.status == 0, "\(second.summary)")
            #expect(second.stderr.contains("resuming from the saved position \(saved)"), "\(second.stderr)")
            let records = try second.records()
            try #require(records.count == 4, "\(second.summary)")
            let oldColumns = ["id", "v", "gone"]
            let newColumns = ["id", "added", "v"]
            #expect(records[0].after?.keys == oldColumns)
            #expect(records[1].before?.keys == oldColumns && records[1].after?.keys == oldColumns)
            #expect(records[2].after?.keys == newColumns)
            #expect(records[3].after?.keys == newColumns)
            #expect(records[3].after?["added"] == .string("2000-01-01"))

            // Every change, replayed, gives the server's table.
            var replayer = RecordReplayer(primaryKey: { _ in ["id"] })
            replayer.apply(try first.records() + records)
            expectNoProblems(replayer.anomalies.map(\.description), "replay")
            #expect(
                Self.replayedRows(replayer.rows("\(database).t"), newColumns)
                    == (try serverRows("`\(database)`.t", newColumns)))

            // The saved schema history: two versions of the table.
            let show = try BinlogSinkCLI.run(["schema", "show", "\(database).t", "--state", state])
            #expect(show.status == 0, "\(show.stderr)")
            #expect(show.stdoutText.components(separatedBy: "\(database).t from").count - 1 == 2, "\(show.stdoutText)")
            #expect(show.stdoutText.contains("added date"), "\(show.stdoutText)")

            // Offline, the saved registry names the columns of the binlog files exactly as the live run did.
            try client.run("FLUSH BINARY LOGS")
            let allFiles = try client.closedBinlogs(since: String(start.split(separator: ":")[0]))
            let parsed = try BinlogSinkCLI.run(
                ["parse"] + allFiles + ["--state", state, "--include", "\(database).*"])
            #expect(parsed.status == 0, "\(parsed.stderr)")
            let parsedRecords = try BinlogRecord.parseAll(parsed.stdout)
            let runRecords = try first.records() + records
            #expect(parsedRecords.map(\.key) == runRecords.map(\.key))
            #expect(parsedRecords.map { $0.after?.keys } == runRecords.map { $0.after?.keys })

            // And so does a server's information_schema for the current version (after the ALTER).
            let fromServer = try BinlogSinkCLI.run(
                ["parse"] + allFiles + ["--schema-from", source, "--include", "\(database).*"])
            #expect(fromServer.status == 0, "\(fromServer.stderr)")
            #expect(try BinlogRecord.parseAll(fromServer.stdout).last?.after?.keys == newColumns)
        }

        @Test("an in-transaction checkpoint counted under another --include is not trusted: the transaction replays")
        func filterChangeReplaysOpenTransaction() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_filter")
            let state = scratch.appendingPathComponent("state-filter").path
            let output = scratch.appendingPathComponent("out-filter")
            try client.run(
                """
                CREATE DATABASE `\(database)`;
                CREATE TABLE `\(database)`.a (id INT PRIMARY KEY, v VARCHAR(100));
                CREATE TABLE `\(database)`.b (id INT PRIMARY KEY, v VARCHAR(100));
                """)
            let start = try position()
            // One transaction: a's rows first, then b's. The first run captures only b.
            try client.run(
                """
                USE `\(database)`;
                BEGIN;
                INSERT INTO `\(database)`.a SELECT seq, REPEAT('a', 90) FROM seq_1_to_100000 AS s;
                INSERT INTO `\(database)`.b SELECT seq, REPEAT('b', 90) FROM seq_1_to_100000 AS s;
                COMMIT;
                """)
            guard let executable = BinlogSinkCLI.executable else {
                throw MariaDBClient.Failure(message: "binlog-sink executable not found")
            }
            let common = [
                "run", "--source", source, "--start", start, "--until", "now", "--state", state,
                "--sink", "file:\(output.path)", "--checkpoint-interval", "0.05",
            ]
            let process = Process()
            process.executableURL = executable
            process.arguments = common + ["--include", "\(database).b"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Kill it once a checkpoint inside the transaction is saved (b's records counted under --include b).
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning && Date() < deadline {
                let shown = try BinlogSinkCLI.run(["position", "show", "--state", state])
                let text = shown.stdoutText
                if shown.status == 0, text.contains("records delivered"), !text.contains(", 0 records delivered") {
                    break
                }
                usleep(20_000)
            }
            let killed = process.isRunning
            if killed { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            try #require(killed, "the first run finished before it could be killed: the test proves nothing")

            let second = try BinlogSinkCLI.run(common + ["--include", "\(database).*"])
            #expect(second.status == 0, "\(second.stderr.suffix(2000))")
            #expect(second.stderr.contains("another table filter"), "\(second.stderr.suffix(2000))")
            let (delivered, _) = try Self.fileSinkRecords(output)
            let ids = Self.replayByID(delivered)
            let aCount = ids["\(database).a"]?.count ?? 0
            let bCount = ids["\(database).b"]?.count ?? 0
            #expect(aCount == 100_000 && bCount == 100_000, "a: \(aCount) rows, b: \(bCount) rows delivered")
        }

        @Test("SIGKILL at random moments inside a large transaction: every change arrives, resumed inside it")
        func crashInsideLargeTransaction() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_crash")
            let state = scratch.appendingPathComponent("state").path
            let output = scratch.appendingPathComponent("out")
            try client.run(
                """
                CREATE DATABASE `\(database)`;
                CREATE TABLE `\(database)`.t (id INT PRIMARY KEY, v VARCHAR(100), n INT);
                """)
            let start = try position()
            // u is created inside the range (the registry learns it from its CREATE TABLE), so its later ALTER is
            // followed even without column metadata in the binlog.
            try client.run(
                """
                USE `\(database)`;
                CREATE TABLE `\(database)`.u (id INT PRIMARY KEY, note TEXT);
                BEGIN;
                INSERT INTO `\(database)`.t SELECT seq, REPEAT('x', 90), seq % 7 FROM seq_1_to_150000 AS s;
                INSERT INTO `\(database)`.u VALUES (1, 'inside the big one');
                COMMIT;
                UPDATE `\(database)`.t SET n = n + 100 WHERE id % 1000 = 0;
                DELETE FROM `\(database)`.t WHERE id % 5000 = 1;
                ALTER TABLE `\(database)`.u ADD COLUMN extra INT;
                INSERT INTO `\(database)`.u VALUES (2, 'after the alter', 7);
                """)
            let arguments = [
                "run", "--source", source, "--start", start, "--until", "now", "--state", state,
                "--sink", "file:\(output.path)", "--include", "\(database).*", "--checkpoint-interval", "0.05",
                "--file-max-bytes", "4000000",
            ]
            guard let executable = BinlogSinkCLI.executable else {
                throw MariaDBClient.Failure(message: "binlog-sink executable not found")
            }
            // Three crashes at random moments, then a run to the end.
            var generator = SystemRandomNumberGenerator()
            var kills = 0
            let log = scratch.appendingPathComponent("runs.log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let logHandle = try FileHandle(forWritingTo: log)
            defer { try? logHandle.close() }
            for _ in 0..<3 {
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments
                process.standardOutput = FileHandle.nullDevice
                process.standardError = logHandle
                let sizeBefore = Self.directorySize(output)
                try process.run()
                // Kill it at a random moment once it is delivering (a fixed delay may outlast a fast run).
                let deadline = Date().addingTimeInterval(20)
                while process.isRunning && Self.directorySize(output) < sizeBefore + 300_000 && Date() < deadline {
                    usleep(5_000)
                }
                usleep(UInt32.random(in: 0...150_000, using: &generator))
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
                process.waitUntilExit()
            }
            let last = try BinlogSinkCLI.run(arguments)
            #expect(last.status == 0, "\(last.stderr.suffix(2000))")
            #expect(kills > 0, "the process always finished before it could be killed: the test proved nothing")

            // Nothing missing: the keys of the offline parse of the same range, all present.
            try client.run("FLUSH BINARY LOGS")
            let files = try client.closedBinlogs(since: String(start.split(separator: ":")[0]))
            let startOffset = String(start.split(separator: ":")[1])
            let reference = try BinlogSinkCLI.run(
                ["parse"] + files + ["--start-position", startOffset, "--include", "\(database).*"])
            #expect(reference.status == 0, "\(reference.stderr)")
            let expected = try BinlogRecord.parseAll(reference.stdout)
            let (delivered, copies) = try Self.fileSinkRecords(output)
            let deliveredKeys = delivered.map(\.key)
            let expectedKeys = expected.map(\.key)
            let missing = Set(expectedKeys).subtracting(deliveredKeys)
            let unexpected = Set(deliveredKeys).subtracting(expectedKeys)
            #expect(
                missing.isEmpty && unexpected.isEmpty,
                "runs: \((try? String(contentsOf: log, encoding: .utf8)) ?? "") \(scratch.path): \(missing.count) missing (e.g. \(missing.sorted().prefix(3))), \(unexpected.count) unexpected (e.g. \(unexpected.sorted().prefix(3)))"
            )
            let inOrder = deliveredKeys.elementsEqual(expectedKeys)
            #expect(inOrder, "records out of binlog order")
            // Duplicates only after checkpoints: far fewer than a whole replay of the big transaction per crash.
            #expect(copies - delivered.count < 150_000, "\(copies - delivered.count) duplicates")

            // Replayed by primary key (RecordReplayer matches rows linearly: too slow for 150,000 rows).
            let tables = Self.replayByID(delivered)
            let replayedT = Self.replayedRows(tables["\(database).t"].map { Array($0.values) } ?? [], ["id", "v", "n"])
            let serverT = try serverRows("`\(database)`.t", ["id", "v", "n"])
            #expect(
                replayedT.count == serverT.count, "t: \(replayedT.count) rows replayed, \(serverT.count) on the server")
            let sameT = replayedT == serverT
            #expect(sameT, "t: replayed rows differ from SELECT")
            #expect(
                Self.replayedRows(tables["\(database).u"].map { Array($0.values) } ?? [], ["id", "note", "extra"])
                    == (try serverRows("`\(database)`.u", ["id", "note", "extra"])))
            // Closed segments are whole JSON Lines files.
            let names = try FileManager.default.contentsOfDirectory(atPath: output.path)
            #expect(names.contains { $0.hasPrefix("\(database).t.000001") }, "\(names)")
        }
    }
}
