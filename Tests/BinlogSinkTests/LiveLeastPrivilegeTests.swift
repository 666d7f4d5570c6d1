import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// Least privilege (docs/live-source.md "Grants", docs/security.md):
// - A MariaDB user with only REPLICATION SLAVE, BINLOG MONITOR and SELECT on the captured database runs check
//   (ready), run --snapshot initial (the snapshot's consistent view and binlog_snapshot_* status need nothing more),
//   a resumed streaming run, snapshot --table and status --source; the records replay to the server's rows.
// - check names each missing privilege with the GRANT that fixes it, one removed at a time: REPLICATION SLAVE,
//   BINLOG MONITOR, SELECT on the database, and SELECT on one --include'd table when only another table is granted.
// - binlog-sink never writes to the source: on a MariaDB of the test's own (port $BINLOG_SINK_TEST_MYSQL_PORT2),
//   otherwise idle, everything above leaves the binlog position and the GTID position where they were, and the
//   general log shows only reads (SELECT, SHOW, session SET, read-only transactions) from binlog-sink's connections.

extension LiveServer {
    @Suite(
        "Live least privilege: REPLICATION SLAVE + BINLOG MONITOR + SELECT suffice; check names missing grants; no writes",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil,
            "needs BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT (scripts/test starts the server)")
    )
    struct LiveLeastPrivilegeTests {
        let client: MariaDBClient
        let port: String
        let scratch: URL
        let user: String
        let password: String

        init() throws {
            guard let client = MariaDBClient.fromEnvironment, let port = liveRunPort else {
                throw MariaDBClient.Failure(message: "BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT are not set")
            }
            self.client = client
            self.port = port
            user = "bls_lp_\(UUID().uuidString.prefix(6).lowercased())"
            password = "lp-\(UUID().uuidString.prefix(12))"
            scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "bls-leastpriv-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        }

        var account: String { "'\(user)'@'%'" }

        func source(port: String? = nil) -> String { "mysql://\(user)@127.0.0.1:\(port ?? self.port)" }

        /// `binlog-sink ARGS…` as the restricted user.
        func cli(_ arguments: [String], timeout: TimeInterval = 120) throws -> BinlogSinkCLI.Result {
            try BinlogSinkCLI.run(arguments, timeout: timeout, environment: ["MYSQL_PWD": password])
        }

        static func setupSQL(_ database: String, user: String, password: String) -> String {
            """
            CREATE USER '\(user)'@'%' IDENTIFIED BY \(MariaDBClient.literal(password));
            GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '\(user)'@'%';
            CREATE DATABASE `\(database)`;
            GRANT SELECT ON `\(database)`.* TO '\(user)'@'%';
            CREATE TABLE `\(database)`.t1 (id INT PRIMARY KEY, v VARCHAR(40)) DEFAULT CHARSET=utf8mb4;
            CREATE TABLE `\(database)`.t2 (id INT PRIMARY KEY, n INT) DEFAULT CHARSET=utf8mb4;
            INSERT INTO `\(database)`.t1 VALUES \((0..<30).map { "(\($0), 'v\($0)')" }.joined(separator: ", "));
            INSERT INTO `\(database)`.t2 VALUES \((0..<10).map { "(\($0), \($0 * 7))" }.joined(separator: ", "));
            """
        }

        static func changesSQL(_ database: String) -> String {
            """
            USE `\(database)`;
            INSERT INTO t1 VALUES (100, 'new'), (101, 'new');
            UPDATE t1 SET v = 'upd' WHERE id < 5;
            DELETE FROM t2 WHERE id > 7;
            """
        }

        /// Replays `records` and compares t1 and t2 with the server's rows.
        func expectReplayMatches(_ records: [BinlogRecord], _ database: String, via server: MariaDBClient) throws {
            var replayer = RecordReplayer(primaryKey: { _ in ["id"] })
            replayer.apply(records)
            expectNoProblems(replayer.anomalies.map(\.description), "replay")
            for (table, columns) in [("t1", ["id", "v"]), ("t2", ["id", "n"])] {
                let replayed = LiveStateTests.replayedRows(replayer.rows("\(database).\(table)"), columns)
                let rows = try server.selectText(columns, from: "`\(database)`.\(table) ORDER BY id")
                let same = replayed == rows
                #expect(same, "\(table): replayed \(replayed.count) rows, the server has \(rows.count)")
            }
        }

        /// check, a snapshot + stream, a resumed stream, snapshot --table, status --source: all as the restricted
        /// user against `server` (its TCP `port`). Returns every stdout and stderr.
        func runEverything(_ database: String, server: MariaDBClient, port: String) throws -> [String] {
            var outputs: [String] = []
            let check = try cli(["check", "--source", source(port: port), "--include", "\(database).*"])
            outputs += [check.stdoutText, check.stderr]
            #expect(check.status == 0, "check: \(check.stdoutText) \(check.stderr)")
            #expect(check.stdoutText.contains("ok   privilege SELECT: granted on the captured"), "\(check.stdoutText)")
            #expect(check.stdoutText.contains("ok   privilege BINLOG MONITOR"), "\(check.stdoutText)")
            #expect(check.stdoutText.contains("ok   privilege REPLICATION SLAVE"), "\(check.stdoutText)")

            let state = scratch.appendingPathComponent("state-\(port)").path
            let snapshot = try cli([
                "run", "--source", source(port: port), "--include", "\(database).*", "--state", state, "--snapshot",
                "initial", "--until", "now",
            ])
            outputs += [snapshot.stderr]
            #expect(snapshot.status == 0, "run --snapshot initial: \(snapshot.stderr)")
            var records = try BinlogRecord.parseAll(snapshot.stdout)
            #expect(records.count == 40 && records.allSatisfy { $0.op == .read }, "snapshot: \(records.count) records")

            try server.run(Self.changesSQL(database))
            let stream = try cli([
                "run", "--source", source(port: port), "--include", "\(database).*", "--state", state, "--until", "now",
            ])
            outputs += [stream.stderr]
            #expect(stream.status == 0, "streaming run: \(stream.stderr)")
            let changes = try BinlogRecord.parseAll(stream.stdout)
            #expect(changes.count == 9, "streamed \(changes.count) records, expected 9")
            records += changes
            try expectReplayMatches(records, database, via: server)

            let again = try cli(["snapshot", "--source", source(port: port), "--table", "\(database).t2"])
            outputs += [again.stderr]
            #expect(again.status == 0, "snapshot --table: \(again.stderr)")
            #expect(try BinlogRecord.parseAll(again.stdout).count == 8, "snapshot --table \(database).t2")

            let status = try cli(["status", "--state", state, "--source", source(port: port)])
            outputs += [status.stdoutText, status.stderr]
            #expect(
                status.status == 0 && status.stdoutText.contains("lag:"),
                "status: \(status.stdoutText) \(status.stderr)")
            return outputs
        }

        @Test("REPLICATION SLAVE, BINLOG MONITOR and SELECT on the database suffice; check names each missing grant")
        func minimumGrants() throws {
            defer { try? FileManager.default.removeItem(at: scratch) }
            let database = LiveMariaDBTests.uniqueDatabase("bls_lp")
            try client.run(Self.setupSQL(database, user: user, password: password))
            defer { _ = try? client.run("DROP USER \(account); DROP DATABASE IF EXISTS `\(database)`;") }
            _ = try runEverything(database, server: client, port: port)

            // One privilege removed at a time: check fails and prints exactly the GRANT that gives it back.
            let removals: [(privilege: String, revoke: String, grant: String)] = [
                (
                    "REPLICATION SLAVE", "REVOKE REPLICATION SLAVE ON *.* FROM \(account)",
                    "GRANT REPLICATION SLAVE ON *.* TO \(account);"
                ),
                (
                    "BINLOG MONITOR", "REVOKE BINLOG MONITOR ON *.* FROM \(account)",
                    "GRANT BINLOG MONITOR ON *.* TO \(account);"
                ),
                (
                    "SELECT", "REVOKE SELECT ON `\(database)`.* FROM \(account)",
                    "GRANT SELECT ON `\(database)`.* TO \(account);"
                ),
            ]
            for removal in removals {
                try client.run(removal.revoke)
                let check = try cli(["check", "--source", source(), "--include", "\(database).*"])
                let run = try cli([
                    "run", "--source", source(), "--include", "\(database).*", "--start", "earliest", "--until", "now",
                ])
                try client.run(removal.grant)
                let lines = check.stdoutText.split(separator: "\n").map(String.init)
                let failing = lines.filter { $0.hasPrefix("fail privilege") }
                #expect(check.status == 1, "without \(removal.privilege): \(check.stdoutText)")
                #expect(
                    failing.count == 1 && failing.first?.hasPrefix("fail privilege \(removal.privilege):") == true,
                    "without \(removal.privilege): \(check.stdoutText)")
                #expect(
                    lines.contains("     fix: \(removal.grant)"),
                    "without \(removal.privilege), no '\(removal.grant)': \(check.stdoutText)")
                // The run itself stops with the server's message naming the privilege, and points at check. (Without
                // SELECT a run from `earliest` still works: the columns come from the CREATE TABLE in the binlog.)
                if removal.privilege != "SELECT" {
                    #expect(
                        run.status == 2 && run.stderr.contains(removal.privilege)
                            && run.stderr.contains("binlog-sink check"),
                        "run without \(removal.privilege): \(run.stderr)")
                }
            }

            // SELECT on one table only, two tables captured: the missing one is named.
            try client.run(
                "REVOKE SELECT ON `\(database)`.* FROM \(account); GRANT SELECT ON `\(database)`.t1 TO \(account);")
            let tables = try cli([
                "check", "--source", source(), "--include", "\(database).t1", "--include", "\(database).t2",
            ])
            #expect(tables.status == 1, "\(tables.stdoutText)")
            #expect(
                tables.stdoutText.contains("     fix: GRANT SELECT ON `\(database)`.`t2` TO \(account);")
                    && !tables.stdoutText.contains("`t1` TO"), "\(tables.stdoutText)")
            let one = try cli(["check", "--source", source(), "--include", "\(database).t1"])
            #expect(one.status == 0 && one.stdoutText.contains("ok   privilege SELECT"), "\(one.stdoutText)")
        }

        @Test(
            "binlog-sink never writes to the source: an idle server's binlog and GTID positions stay put; the general log shows reads only"
        )
        func neverWrites() throws {
            guard let port2 = LiveThrowawayServer.port else {
                Issue.record("BINLOG_SINK_TEST_MYSQL_PORT2 is not set")
                return
            }
            defer { try? FileManager.default.removeItem(at: scratch) }
            let server = try LiveThrowawayServer(port: port2)
            defer { server.remove() }
            let root = server.client
            let database = "bls_lp_idle"
            try root.run(Self.setupSQL(database, user: user, password: password))
            let generalLog = "\(server.directory)/general.log"
            try root.run(
                "SET GLOBAL general_log_file = \(MariaDBClient.literal(generalLog)); SET GLOBAL general_log = 1")

            // Where the source is, once MariaDB's asynchronous binlog checkpoint event is written.
            func sourcePosition() throws -> String {
                let status = try root.run("SHOW MASTER STATUS")
                let gtid = try root.run("SELECT @@global.gtid_binlog_pos, @@global.gtid_current_pos")
                return status + gtid
            }
            var before = try sourcePosition()
            for _ in 0..<20 {
                usleep(500_000)
                let now = try sourcePosition()
                if now == before { break }
                before = now
            }

            // Everything that reads: check, snapshot, streaming, snapshot --table, status; the changes in between are
            // the test's own (root) writes, so the position is compared after and before each binlog-sink step.
            let state = scratch.appendingPathComponent("state-idle").path
            let steps: [[String]] = [
                ["check", "--source", source(port: port2), "--include", "\(database).*", "--server-id", "4711"],
                [
                    "run", "--source", source(port: port2), "--include", "\(database).*", "--state", state,
                    "--snapshot", "initial", "--until", "now",
                ],
                [
                    "run", "--source", source(port: port2), "--include", "\(database).*", "--state", state, "--until",
                    "now",
                ],
                ["snapshot", "--source", source(port: port2), "--table", "\(database).t1"],
                ["status", "--state", state, "--source", source(port: port2)],
                ["position", "show", "--state", state],
            ]
            for step in steps {
                let result = try cli(step)
                #expect(result.status == 0, "\(step.prefix(2)): \(result.stdoutText.suffix(800)) \(result.stderr)")
                let after = try sourcePosition()
                #expect(
                    after == before,
                    "`binlog-sink \(step.prefix(2).joined(separator: " "))` moved the source: \(before) → \(after)")
            }

            // The general log: the statements of binlog-sink's own connections (those of the restricted user).
            try root.run("SET GLOBAL general_log = 0")
            let text = try String(contentsOfFile: generalLog, encoding: .utf8)
            let statements = Self.statements(inGeneralLog: text, user: user)
            #expect(
                statements.count > 10, "only \(statements.count) statements logged for \(user): \(text.suffix(2000))")
            let commands = Set(statements.map(\.command))
            #expect(commands.contains("Binlog Dump") || commands.contains("Binlog Dump GTID"), "no dump: \(commands)")
            let writes = statements.filter { $0.command == "Query" && !Self.isRead($0.text) }.map(\.text)
            #expect(writes.isEmpty, "statements that are not reads: \(writes.prefix(20))")
            let others = commands.subtracting([
                "Connect", "Query", "Quit", "Binlog Dump", "Binlog Dump GTID", "Register Slave", "Init DB",
                "Field List",
            ])
            #expect(others.isEmpty, "unexpected commands: \(others)")
        }

        /// Statements that only read or set up the session.
        static func isRead(_ statement: String) -> Bool {
            let text = statement.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
            let allowed = [
                "SELECT ", "SELECT\n", "SHOW ", "SET NAMES ", "SET SESSION ", "SET @",
                "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
                "COMMIT", "ROLLBACK",
            ]
            guard allowed.contains(where: { text.hasPrefix($0) }) else { return false }
            // SELECT … INTO OUTFILE / FOR UPDATE would not be reads of the kind meant here.
            return !text.contains(" INTO OUTFILE") && !text.contains(" FOR UPDATE") && !text.hasPrefix("SET GLOBAL")
        }

        /// (connection command, argument) of the connections `user` opened, from a MariaDB general log file:
        /// `[YYMMDD HH:MM:SS]\t   ID Command\tArgument`, a multi-line argument continuing on the lines after.
        static func statements(inGeneralLog text: String, user: String) -> [(command: String, text: String)] {
            var entries: [(id: String, command: String, text: String)] = []
            // "[YYMMDD  H:MM:SS]<tabs><spaces>ID Command<tab>Argument"
            let head = try? NSRegularExpression(
                pattern: #"^(?:\d{6}\s+\d{1,2}:\d{2}:\d{2})?\t+\s*(\d+) ([A-Za-z ]+)\t?(.*)$"#)
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                let range = NSRange(line.startIndex..., in: line)
                if let match = head?.firstMatch(in: line, range: range), match.numberOfRanges == 4,
                    let id = Range(match.range(at: 1), in: line), let command = Range(match.range(at: 2), in: line),
                    let argument = Range(match.range(at: 3), in: line)
                {
                    entries.append((String(line[id]), String(line[command]), String(line[argument])))
                } else if !entries.isEmpty {
                    entries[entries.count - 1].text += "\n" + line
                }
            }
            let ids = Set(entries.filter { $0.command == "Connect" && $0.text.hasPrefix("\(user)@") }.map(\.id))
            return entries.filter { ids.contains($0.id) }.map { ($0.command, $0.text) }
        }
    }
}
