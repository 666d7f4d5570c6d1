import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `binlog-sink run --until never` while its server restarts: a MariaDB of the test's own on
// 127.0.0.1:$BINLOG_SINK_TEST_MYSQL_PORT2 (scripts/lib/mariadb.sh), stopped with SIGTERM mid-stream while a workload
// writes, started again on the same datadir (a new binlog file begins), written to again. The stream must reconnect,
// follow the new binlog and deliver each row change exactly once: its record keys equal those of `parse` of every
// binlog file in the datadir, and its records replay to the server's SELECT. (The KILL of the dump thread is
// LiveRunTests.killDumpThread.)

extension LiveServer {
    @Suite(
        "Live restart: run follows its server through a restart",
        .serialized,
        .enabled(
            if: LiveThrowawayServer.port != nil && LiveThrowawayServer.clientExecutable != nil,
            "needs BINLOG_SINK_TEST_MYSQL_PORT2 and the mariadb client (scripts/test provides both)")
    )
    struct LiveRestartTests {
        static let table = LiveTable(
            name: "t",
            columns: [
                LiveColumn(name: "id", type: "INT NOT NULL", kind: .integer),
                LiveColumn(name: "batch", type: "INT NOT NULL", kind: .integer),
                LiveColumn(name: "v", type: "VARCHAR(200) CHARACTER SET utf8mb4", kind: .text),
                LiveColumn(name: "n", type: "INT NOT NULL DEFAULT 0", kind: .integer),
            ], primaryKey: ["id"])

        /// Batch N: one transaction of inserts, an update and a delete, then an autocommit insert and update.
        static func batchSQL(database: String, batch: Int) -> String {
            let base = batch * 10
            return """
                USE `\(database)`;
                START TRANSACTION;
                INSERT INTO t VALUES (\(base), \(batch), 'b\(batch) ü', 0), (\(base + 1), \(batch), REPEAT('x', 120), 0),
                  (\(base + 2), \(batch), NULL, 0), (\(base + 3), \(batch), 'gone', 0);
                UPDATE t SET n = n + 1, v = CONCAT(IFNULL(v, ''), '+') WHERE id IN (\(base), \(base + 2));
                DELETE FROM t WHERE id = \(base + 3);
                COMMIT;
                INSERT INTO t VALUES (\(base + 4), \(batch), 'single', 0);
                UPDATE t SET n = n + 10 WHERE id = \(base + 1);
                """
        }

        @Test("server stopped (SIGTERM) and started again mid-stream: no gap, no duplicate, the new binlog followed")
        func serverRestart() throws {
            let port = try #require(LiveThrowawayServer.port)
            let server = try LiveThrowawayServer(port: port)
            defer { server.remove() }
            let client = server.client
            let database = "bls_restart"
            try client.run(
                "CREATE DATABASE `\(database)` CHARACTER SET utf8mb4;\n" + Self.table.create(in: database))

            let run = try LiveBackgroundRun([
                "run", "--source", "mysql://root@127.0.0.1:\(port)", "--start", "earliest", "--until", "never",
                "--include", "\(database).*", "--heartbeat", "1",
            ])
            let workload = LiveLoopWorkload(client: client) { Self.batchSQL(database: database, batch: $0) }
            var workloadStopped = false
            defer { if !workloadStopped { workload.stop() } }

            // Streaming: some records are out before the server goes away (the workload keeps writing meanwhile).
            let streaming = try run.wait(timeout: 30) { $0.count >= 40 }
            try #require(streaming, "no records before the restart: \(run.summary)")
            let fileBefore = try client.currentBinlog()
            try server.stop()
            Thread.sleep(forTimeInterval: 2)
            try server.restart()
            let fileAfter = try client.currentBinlog()
            #expect(fileAfter > fileBefore, "the restart opens a new binlog: \(fileBefore) then \(fileAfter)")
            // More transactions on the restarted server, then a last row the stream must reach.
            let committedAtRestart = workload.committed
            let deadline = Date().addingTimeInterval(30)
            while workload.committed < committedAtRestart + 20 && Date() < deadline { usleep(50_000) }
            workload.stop()
            workloadStopped = true
            #expect(workload.committed >= committedAtRestart + 20, "the workload did not resume after the restart")
            let lastID = 1_000_000_000
            try client.run("INSERT INTO `\(database)`.t VALUES (\(lastID), -1, 'last', 0)")
            let caughtUp = try run.wait(timeout: 60) { records in
                records.contains { $0.after?["id"]?.integerValue == Int128(lastID) }
            }
            #expect(caughtUp, "the stream did not reach the last row: \(run.summary)")
            let serverRows = try client.select(
                Self.table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.t")
            // `run --until never` ends only by a signal: any exit status is fine once the output is complete.
            run.stop()
            let records = try run.records()
            server.shutdown()  // every binlog closed and complete for the reference parse

            let reference = try ParseRun.parse(try server.binlogFiles(), ["--include", "\(database).*"])
            #expect(reference.status == 0, "\(reference.summary)")
            let expected = try reference.records().map(\.key)
            let got = records.map(\.key)
            let duplicates = Dictionary(grouping: got, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            #expect(duplicates.isEmpty, "duplicate records: \(duplicates.prefix(20))")
            let missing = Set(expected).subtracting(got).sorted()
            let extra = Set(got).subtracting(expected).sorted()
            #expect(missing.isEmpty, "\(missing.count) records missing (gap), first: \(missing.prefix(20))")
            #expect(extra.isEmpty, "\(extra.count) records not in the binlogs, first: \(extra.prefix(20))")
            #expect(got == expected, "records out of binlog order")
            #expect(
                records.contains { $0.file == fileAfter }, "no record from \(fileAfter), the binlog after the restart")
            #expect(records.contains { $0.file == fileBefore }, "no record from \(fileBefore)")
            #expect(run.stderr.contains("reconnected to"), "no reconnect reported: \(run.summary)")

            var replayer = RecordReplayer(primaryKey: { _ in ["id"] })
            replayer.apply(records)
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the stream")
            expectNoProblems(
                LiveComparison.compare(
                    Self.table, replayed: replayer.rows("\(database).t"), serverRows: serverRows),
                "replay vs SELECT")
        }
    }
}
