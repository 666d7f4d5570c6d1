import Foundation
import Testing

// `binlog-sink run` against the throwaway MariaDB scripts/test starts: the replication stream over TCP
// (127.0.0.1:$BINLOG_SINK_TEST_MYSQL_PORT, root without a password), compared with the server's own tables and with
// `parse` of the same binlog files, plus the stream's resume after a KILL of its dump thread and `check`'s failures.
//
// Global settings: the binlog_format test switches the server to STATEMENT for the few milliseconds `check` takes
// and restores it; suites that run at the same time on the same server may see that window.

/// The throwaway server's TCP port (`$BINLOG_SINK_TEST_MYSQL_PORT`).
let liveRunPort: String? = ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_MYSQL_PORT"].flatMap {
    $0.isEmpty ? nil : $0
}

extension LiveServer {
    @Suite(
        "Live run: the replication stream of a live MariaDB",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil,
            "needs a live server: BINLOG_SINK_TEST_MYSQL_SOCKET and _PORT (scripts/test starts one)")
    )
    struct LiveRunTests {
        let client: MariaDBClient
        let port: String

        init() throws {
            guard let client = MariaDBClient.fromEnvironment, let port = liveRunPort else {
                throw MariaDBClient.Failure(message: "BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT are not set")
            }
            self.client = client
            self.port = port
        }

        func source(user: String = "root") -> String { "mysql://\(user)@127.0.0.1:\(port)" }

        /// `SHOW MASTER STATUS` as FILE:POS.
        func currentPosition() throws -> (file: String, pos: Int) {
            guard let row = try client.lines("SHOW MASTER STATUS").first, row.count >= 2, let pos = Int(row[1]) else {
                throw MariaDBClient.Failure(message: "SHOW MASTER STATUS returned nothing")
            }
            return (row[0], pos)
        }

        func run(_ arguments: [String], timeout: TimeInterval = 300) throws -> ParseRun {
            let arguments = ["run"] + arguments
            return ParseRun(arguments: arguments, result: try BinlogSinkCLI.run(arguments, timeout: timeout))
        }

        /// `parse` of everything from `start` to the end of the binlogs closed now (the reference for a `run`).
        func parseSince(_ start: (file: String, pos: Int), _ extra: [String]) throws -> ParseRun {
            let files = try client.closedBinlogs(since: start.file).map { URL(fileURLWithPath: $0) }
            return try ParseRun.parse(files, ["--start-position", "\(start.pos)"] + extra)
        }

        /// Column names by position for records written without binlog_row_metadata=FULL ("@1" → the table's column).
        static func named(_ records: [BinlogRecord]) -> [BinlogRecord] {
            let tables = Dictionary(uniqueKeysWithValues: LiveWorkload.tables.map { ($0.name, $0.columns.map(\.name)) })
            func rename(_ image: JSONObject?, _ table: String) -> JSONObject? {
                guard let image, let names = tables[table], image.keys.contains(where: { $0.hasPrefix("@") }) else {
                    return image
                }
                return JSONObject(
                    image.entries.map { entry in
                        if entry.key.hasPrefix("@"), let index = Int(entry.key.dropFirst()), index >= 1,
                            index <= names.count
                        {
                            return (names[index - 1], entry.value)
                        }
                        return (entry.key, entry.value)
                    })
            }
            return records.map { record in
                var record = record
                record.before = rename(record.before, record.table)
                record.after = rename(record.after, record.table)
                return record
            }
        }

        @Test(
            "run --until now from FILE:POS: records equal parse of the same binlogs and replay to the server's tables")
        func untilNowMaterializes() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_run")
            let live = try LiveMariaDBTests()
            let start = try currentPosition()
            _ = try live.withFullRowMetadata { try client.run(LiveWorkload.sql(database: database)) }
            let run = try run([
                "--source", source(), "--start", "\(start.file):\(start.pos)", "--until", "now",
                "--include", "\(database).*",
            ])
            #expect(run.status == 0, "\(run.summary)")
            let records = try run.records()
            #expect(!records.isEmpty, "no records: \(run.summary)")

            // The same bytes as the offline parse of the files the server wrote.
            let reference = try parseSince(start, ["--include", "\(database).*"])
            #expect(reference.status == 0, "\(reference.summary)")
            #expect(run.result.stdout == reference.result.stdout, "run and parse differ")

            var keys = Set<String>()
            for record in records where !keys.insert(record.key).inserted {
                Issue.record("duplicate key \(record.key)")
            }

            let alterKey = "\(database).t_alter"
            var replayer = RecordReplayer(primaryKey: { $0 == alterKey ? ["id"] : nil })
            replayer.apply(Self.named(records))
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the records")
            for table in LiveWorkload.tables {
                let serverRows = try client.select(
                    table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.`\(table.name)`",
                    setup: "SET SESSION time_zone = '+00:00'")
                let differences = LiveComparison.compare(
                    table, replayed: replayer.rows("\(database).\(table.name)"), serverRows: serverRows)
                expectNoProblems(differences, "\(table.name): replay vs server")
            }
        }

        @Test("--start latest and earliest; a purged or unknown binlog is a clear error")
        func startPositions() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_start")
            try client.run(
                "CREATE DATABASE `\(database)`; CREATE TABLE `\(database)`.t (id INT PRIMARY KEY); "
                    + "INSERT INTO `\(database)`.t VALUES (1), (2)")
            let latest = try run(["--source", source(), "--start", "latest", "--until", "now"])
            #expect(latest.status == 0, "\(latest.summary)")
            #expect(latest.result.stdout.isEmpty, "latest --until now has nothing to read")

            let earliest = try run([
                "--source", source(), "--start", "earliest", "--until", "now", "--include", "\(database).*",
            ])
            #expect(earliest.status == 0, "\(earliest.summary)")
            #expect(try earliest.records().count == 2, "\(earliest.summary)")

            let oldest = try client.lines("SHOW BINARY LOGS").first?.first ?? "?"
            let missing = try run(["--source", source(), "--start", "mysql-bin.999999:4", "--until", "now"])
            #expect(missing.status == 2, "\(missing.summary)")
            #expect(missing.stderr.contains("mysql-bin.999999:4"), "\(missing.stderr)")
            #expect(missing.stderr.contains("oldest binlog the server still has is \(oldest)"), "\(missing.stderr)")
            #expect(missing.stderr.contains("--start earliest"), "\(missing.stderr)")
        }

        @Test("wrong password: a clear error that names the user and where the password comes from")
        func wrongPassword() throws {
            let passwordFile = FileManager.default.temporaryDirectory.appendingPathComponent(
                "bls-pw-\(UUID().uuidString)")
            try Data("not-the-password\n".utf8).write(to: passwordFile)
            defer { try? FileManager.default.removeItem(at: passwordFile) }
            let result = try run([
                "--source", source(), "--password-file", passwordFile.path, "--until", "now",
            ])
            #expect(result.status == 2, "\(result.summary)")
            #expect(result.stderr.contains("access denied for root@127.0.0.1"), "\(result.stderr)")
            #expect(result.stderr.contains("MYSQL_PWD / --password-file"), "\(result.stderr)")
            #expect(!result.stderr.contains("not-the-password"), "the password must never be printed")
        }

        @Test("KILL of the dump thread mid-stream: the stream reconnects, no gap, no duplicate")
        func killDumpThread() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_kill")
            let user = "bls_kill_\(UUID().uuidString.prefix(6).lowercased())"
            try client.run(
                """
                CREATE USER '\(user)'@'%';
                GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO '\(user)'@'%';
                CREATE DATABASE `\(database)`;
                CREATE TABLE `\(database)`.t (id INT PRIMARY KEY, v VARCHAR(200), n INT) DEFAULT CHARSET=utf8mb4;
                """)
            defer { _ = try? client.run("DROP USER '\(user)'@'%'") }
            let start = try currentPosition()
            // The stream stops where the next binlog starts: the test closes the current one after the workload (the
            // stream must then have read all of it, across the kills).
            let number = try #require(start.file.split(separator: ".").last.flatMap { Int($0) })
            let prefix = start.file.dropLast(start.file.split(separator: ".").last?.count ?? 0)
            let nextFile = prefix + String(format: "%06d", number + 1)
            // Small transactions with pauses, so the stream is waiting for more while its dump thread is killed.
            var script = "SET autocommit = 1;\n"
            for batch in 0..<60 {
                script += "BEGIN;\n"
                for row in 0..<5 {
                    script += "INSERT INTO `\(database)`.t VALUES (\(batch * 1000 + row), REPEAT('x', 150), \(row));\n"
                }
                script += "COMMIT;\n"
                script += "INSERT INTO `\(database)`.t VALUES (\(batch * 1000 + 999), 'single', 0);\n"
                script +=
                    "UPDATE `\(database)`.t SET n = n + 1 WHERE id BETWEEN \(batch * 1000) AND \(batch * 1000 + 3);\n"
                script += "DO SLEEP(0.03);\n"
            }

            final class Outcome: @unchecked Sendable {  // written once by the runner thread before `done` is signalled
                var run: Result<ParseRun, Error>?
            }
            let outcome = Outcome()
            let done = DispatchSemaphore(value: 0)
            let arguments = [
                "--source", source(user: user), "--start", "\(start.file):\(start.pos)", "--until", "\(nextFile):4",
                "--include", "\(database).*", "--heartbeat", "1",
            ]
            Thread.detachNewThread {
                outcome.run = Result { try self.run(arguments, timeout: 120) }
                done.signal()
            }
            let workloadDone = DispatchSemaphore(value: 0)
            final class WorkloadOutcome: @unchecked Sendable {  // written once before `workloadDone` is signalled
                var error: Error?
            }
            let workload = WorkloadOutcome()
            let client = self.client
            let workloadSQL = script
            Thread.detachNewThread {
                do { try client.run(workloadSQL) } catch { workload.error = error }
                workloadDone.signal()
            }
            // Kill the stream's dump thread every 400 ms while the workload runs.
            var kills = 0
            while workloadDone.wait(timeout: .now() + .milliseconds(400)) == .timedOut {
                let threads = try client.lines(
                    "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '\(user)' AND COMMAND = 'Binlog Dump'")
                for row in threads {
                    guard let id = row.first else { continue }
                    _ = try? client.run("KILL \(id)")
                    kills += 1
                }
            }
            if let error = workload.error { throw error }
            try client.run("FLUSH BINARY LOGS")
            done.wait()
            let run = try #require(try outcome.run?.get())
            #expect(run.status == 0, "\(run.summary)")
            #expect(kills > 0, "the dump thread was never seen")
            let reconnects = run.stderr.components(separatedBy: "reconnected to").count - 1
            #expect(reconnects > 0, "no kill reached the stream: \(run.stderr)")

            let directory = try client.binlogDirectory()
            let reference = try ParseRun.parse(
                [URL(fileURLWithPath: "\(directory)/\(start.file)")],
                ["--start-position", "\(start.pos)", "--include", "\(database).*"])
            #expect(reference.status == 0, "\(reference.summary)")
            #expect(try reference.records().count >= 60 * 7, "the workload is not all in \(start.file)")
            let expected = try reference.records().map(\.key)
            let got = try run.records().map(\.key)
            #expect(got.count == Set(got).count, "duplicate records after reconnecting")
            #expect(
                got == expected, "records after \(reconnects) reconnect(s): \(got.count), expected \(expected.count)")
            // Same row images: `run` names and types columns through the schema registry (information_schema),
            // `parse` of a binlog without column metadata gives ordinals and base64 — compare column by column.
            var differences: [String] = []
            for (ours, theirs) in zip(try run.records(), try reference.records()) {
                if ours.op != theirs.op || !Self.sameImage(ours.before, theirs.before)
                    || !Self.sameImage(ours.after, theirs.after)
                {
                    differences.append("\(ours.key): \(ours) vs \(theirs)")
                }
            }
            expectNoProblems(differences, "run after reconnects vs parse")
        }

        /// Row images equal column by column: equal JSON, or a registry-typed text value whose UTF-8 bytes are what the
        /// metadata-less parse shows as base64.
        static func sameImage(_ ours: JSONObject?, _ theirs: JSONObject?) -> Bool {
            guard let ours, let theirs else { return ours == nil && theirs == nil }
            let left = ours.keys.compactMap { ours[$0] }
            let right = theirs.keys.compactMap { theirs[$0] }
            guard left.count == right.count else { return false }
            for (a, b) in zip(left, right) {
                if case .string(let text) = a, case .string(let encoded) = b, text != encoded {
                    guard let bytes = Data(base64Encoded: encoded), Data(text.utf8) == bytes else { return false }
                    continue
                }
                if case .number(let x) = a, case .number(let y) = b, x == y { continue }
                if case .string(let x) = a, case .string(let y) = b, x == y { continue }
                if case .null = a, case .null = b { continue }
                return false
            }
            return true
        }

        @Test("check: ok on the test server; fails without REPLICATION SLAVE and with binlog_format=STATEMENT")
        func check() throws {
            let good = try BinlogSinkCLI.run(["check", "--source", source()])
            #expect(good.status == 0, "\(good.stdoutText) \(good.stderr)")
            #expect(good.stdoutText.contains("ok   binlog_format: ROW"), "\(good.stdoutText)")

            let user = "bls_norepl_\(UUID().uuidString.prefix(6).lowercased())"
            try client.run("CREATE USER '\(user)'@'%'; GRANT SELECT ON *.* TO '\(user)'@'%';")
            defer { _ = try? client.run("DROP USER '\(user)'@'%'") }
            let weak = try BinlogSinkCLI.run(["check", "--source", source(user: user)])
            #expect(weak.status == 1, "\(weak.stdoutText) \(weak.stderr)")
            #expect(weak.stdoutText.contains("fail privilege REPLICATION SLAVE"), "\(weak.stdoutText)")
            #expect(weak.stdoutText.contains("GRANT REPLICATION SLAVE ON *.* TO '\(user)'@'%';"), "\(weak.stdoutText)")

            let previous = try client.scalar("SELECT @@global.binlog_format")
            let statement: BinlogSinkCLI.Result
            let refused: ParseRun
            try client.run("SET GLOBAL binlog_format = STATEMENT")
            do {
                defer { _ = try? client.run("SET GLOBAL binlog_format = \(previous)") }
                statement = try BinlogSinkCLI.run(["check", "--source", source()])
                refused = try run(["--source", source(), "--until", "now"])
            }
            #expect(try client.scalar("SELECT @@global.binlog_format") == previous)
            #expect(statement.status == 1, "\(statement.stdoutText)")
            #expect(statement.stdoutText.contains("fail binlog_format: STATEMENT"), "\(statement.stdoutText)")
            #expect(statement.stdoutText.contains("SET GLOBAL binlog_format=ROW"), "\(statement.stdoutText)")
            #expect(refused.status == 2, "\(refused.summary)")
            #expect(refused.stderr.contains("SET GLOBAL binlog_format=ROW"), "\(refused.stderr)")
        }
    }
}
