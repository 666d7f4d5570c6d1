import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// Operating `run` (docs/operations.md) against the throwaway MariaDB scripts/test starts: a graceful stop by
// SIGTERM under a write load, cron mode (`--until now --state`, five runs with writes between), heartbeats moving the
// saved position while only excluded tables change, the state lock refusing a second run, JSON logs, and the
// Prometheus metrics (scraped while running and written at exit), parsed strictly and checked against the records.

extension LiveServer {
    @Suite(
        "Live operations: graceful stop, cron mode, heartbeats, lock, logs, metrics, status",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil,
            "needs a live server: BINLOG_SINK_TEST_MYSQL_SOCKET and _PORT (scripts/test starts one)")
    )
    struct LiveOperationsTests {
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
                "bls-ops-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        }

        var source: String { "mysql://root@127.0.0.1:\(port)" }

        func position() throws -> (file: String, offset: Int) {
            guard let row = try client.lines("SHOW MASTER STATUS").first, row.count >= 2, let offset = Int(row[1])
            else {
                throw MariaDBClient.Failure(message: "SHOW MASTER STATUS returned nothing")
            }
            return (row[0], offset)
        }

        /// The saved position of a state directory (`position show`), as file and offset.
        func savedPosition(_ state: String) throws -> (file: String, offset: Int)? {
            let show = try BinlogSinkCLI.run(["position", "show", "--state", state])
            guard show.status == 0 else { return nil }
            for line in show.stdoutText.split(separator: "\n") where line.hasPrefix("position:") {
                let text = line.dropFirst("position:".count).trimmingCharacters(in: .whitespaces)
                guard let colon = text.lastIndex(of: ":"), let offset = Int(text[text.index(after: colon)...]) else {
                    return nil
                }
                return (String(text[..<colon]), offset)
            }
            return nil
        }

        static func order(_ a: (file: String, offset: Int), _ b: (file: String, offset: Int)) -> Bool {
            a.file == b.file ? a.offset < b.offset : a.file < b.file
        }

        /// A TCP port nothing listens on now (bound to 0 and released).
        static func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else { throw MariaDBClient.Failure(message: "cannot bind a free port") }
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        static func httpGet(_ url: String) throws -> MariaDBClient.ProcessResult {
            try MariaDBClient.runProcess("/usr/bin/curl", ["-sS", "--max-time", "10", url], input: Data(), timeout: 20)
        }

        /// Records per table and operation, as the metrics label them.
        static func counts(_ records: [BinlogRecord]) -> [String: Double] {
            var counts: [String: Double] = [:]
            for record in records { counts["\(record.tableKey)/\(record.op.rawValue)", default: 0] += 1 }
            return counts
        }

        static func metricCounts(_ metrics: PrometheusText) -> [String: Double] {
            var counts: [String: Double] = [:]
            for sample in metrics.values("binlog_sink_records_total") {
                counts["\(sample.labels["table"] ?? "?")/\(sample.labels["op"] ?? "?")", default: 0] += sample.value
            }
            return counts
        }

        static let batchTable = "CREATE TABLE t (id INT PRIMARY KEY, batch INT NOT NULL, v VARCHAR(60), n INT)"

        /// Batch N: a transaction of three inserts, an update and a delete, then an autocommit update.
        static func batchSQL(_ database: String, _ batch: Int) -> String {
            let base = batch * 3
            return """
                USE `\(database)`;
                BEGIN;
                INSERT INTO t VALUES (\(base), \(batch), 'a\(batch)', 0), (\(base + 1), \(batch), 'b', 0), (\(base + 2), \(batch), 'c', 0);
                UPDATE t SET n = n + 1, v = CONCAT(v, '+') WHERE id = \(base);
                DELETE FROM t WHERE id = \(base + 2);
                COMMIT;
                UPDATE t SET n = n + 10 WHERE id = \(base + 1);
                """
        }

        /// Replays records by id and compares with the server's table.
        func expectReplayMatches(_ records: [BinlogRecord], _ database: String, _ what: String) throws {
            var replayer = RecordReplayer(primaryKey: { _ in ["id"] })
            replayer.apply(records)
            expectNoProblems(replayer.anomalies.map(\.description), "\(what): replay")
            let columns = ["id", "batch", "v", "n"]
            let replayed = LiveStateTests.replayedRows(replayer.rows("\(database).t"), columns)
            let server = try client.selectText(columns, from: "`\(database)`.t ORDER BY id")
            let same = replayed == server
            #expect(same, "\(what): replayed \(replayed.count) rows, the server has \(server.count)")
        }

        @Test("SIGTERM under a write load: exit 0 within the bound, position after everything delivered, clean resume")
        func gracefulStopUnderLoad() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_ops_term")
            let state = scratch.appendingPathComponent("state").path
            try client.run("CREATE DATABASE `\(database)`; USE `\(database)`; \(Self.batchTable);")
            let start = try position()
            let metricsPort = try Self.freePort()
            let run = try LiveBackgroundRun([
                "run", "--source", source, "--start", "\(start.file):\(start.offset)", "--until", "never",
                "--state", state, "--include", "\(database).*", "--heartbeat", "1", "--checkpoint-interval", "0.3",
                "--metrics-listen", "127.0.0.1:\(metricsPort)", "--log-format", "json", "--log-level", "debug",
            ])
            let workload = LiveLoopWorkload(client: client, pause: 5_000) { Self.batchSQL(database, $0) }
            var workloadStopped = false
            defer { if !workloadStopped { workload.stop() } }
            let streaming = try run.wait(timeout: 60) { $0.count >= 60 }
            try #require(streaming, "no records while the workload writes: \(run.summary)")

            // Scraped while running: strictly valid, and at least every record already written out is counted.
            let seen = try run.records()
            let scrape = try Self.httpGet("http://127.0.0.1:\(metricsPort)/metrics")
            #expect(scrape.status == 0, "curl: \(scrape.stderr)")
            let metrics = try PrometheusText(String(decoding: scrape.stdout, as: UTF8.self))
            let scraped = Self.metricCounts(metrics)
            for (key, count) in Self.counts(seen) {
                #expect((scraped[key] ?? 0) >= count, "metrics count \(scraped[key] ?? 0) \(key), stdout had \(count)")
            }
            #expect(metrics.types["binlog_sink_records_total"] == "counter")
            #expect(metrics.types["binlog_sink_sink_flush_seconds"] == "histogram")
            #expect((metrics.value("binlog_sink_sink_flush_seconds_count") ?? 0) > 0, "no flush timed")
            #expect(metrics.value("binlog_sink_lag_seconds") != nil, "no lag_seconds")
            #expect(metrics.value("binlog_sink_lag_bytes") != nil, "no lag_bytes (the poller did not answer)")
            #expect(metrics.value("binlog_sink_checkpoint_age_seconds").map { $0 < 30 } == true, "checkpoint age")
            #expect(metrics.value("binlog_sink_binlog_retention_runway_seconds") != nil, "no retention runway")
            #expect(metrics.value("binlog_sink_queue_records") != nil, "no queue depth")
            #expect(metrics.value("binlog_sink_reconnects_total") == 0)
            let bytes = metrics.values("binlog_sink_record_bytes_total").reduce(0) { $0 + $1.value }
            #expect(bytes > 0, "no record bytes counted")
            let health = try Self.httpGet("http://127.0.0.1:\(metricsPort)/healthz")
            #expect(String(decoding: health.stdout, as: UTF8.self) == "ok\n")

            // SIGTERM while the workload is still writing.
            let clock = ContinuousClock()
            let signalled = clock.now
            let status = run.stop(SIGTERM, timeout: 40)
            let took = clock.now - signalled
            workload.stop()
            workloadStopped = true
            #expect(status == 0, "exit status after SIGTERM: \(run.summary)")
            #expect(took < .seconds(10), "the graceful stop took \(took)")
            let first = try run.records()
            let stderrLines = run.stderr.split(separator: "\n")
            let jsonLines = stderrLines.filter { line in
                guard
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    object["ts"] is String, object["level"] is String, object["msg"] is String
                else { return false }
                return true
            }
            #expect(jsonLines.count == stderrLines.count, "stderr lines that are not JSON log lines: \(run.stderr)")
            #expect(run.stderr.contains("stopped by SIGTERM"), "\(run.stderr.suffix(800))")
            #expect(run.stderr.contains("\"level\":\"debug\",\"msg\":\"checkpoint saved\""), "no debug line")

            // The saved position: the resume point R (the position, or the start of a transaction the stop came
            // inside) and the records of it already delivered N (0 at a transaction boundary). Exactly N delivered
            // records are at or after R: nothing delivered is left behind it, nothing after it is unaccounted for.
            let saved = try #require(try savedPosition(state), "no saved position")
            let show = try BinlogSinkCLI.run(["position", "show", "--state", state]).stdoutText
            var resume = saved
            var delivered = 0
            if let line = show.split(separator: "\n").first(where: { $0.hasPrefix("transaction: started at ") }) {
                let words = line.dropFirst("transaction: started at ".count).split(separator: " ")
                let point = words.first.map { String($0.dropLast()) } ?? ""
                let colon = try #require(point.lastIndex(of: ":"), "\(show)")
                resume = (String(point[..<colon]), Int(point[point.index(after: colon)...]) ?? -1)
                delivered = try #require(words.count > 1 ? Int(words[1]) : nil, "\(show)")
            }
            let atOrAfter = first.filter { !Self.order(($0.file, $0.pos), resume) }.count
            #expect(atOrAfter == delivered, "\(atOrAfter) delivered records at or after \(resume); saved: \(show)")

            // Restart: catches up to now from the saved position; together nothing is missing.
            let second = try BinlogSinkCLI.run([
                "run", "--source", source, "--until", "now", "--state", state, "--include", "\(database).*",
            ])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("resuming from the saved position"), "\(second.stderr)")
            let resumed = try BinlogRecord.parseAll(second.stdout)
            let firstKeys = Set(first.map(\.key))
            let overlap = resumed.filter { firstKeys.contains($0.key) }.count
            #expect(overlap == 0, "\(overlap) records delivered again after a graceful stop")
            try expectReplayMatches(first + resumed, database, "stop + resume")
        }

        @Test("cron mode: five `run --until now --state` runs with writes between deliver every change once")
        func cronRuns() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_ops_cron")
            let state = scratch.appendingPathComponent("state").path
            try client.run("CREATE DATABASE `\(database)`; USE `\(database)`; \(Self.batchTable);")
            let start = try position()
            var all: [BinlogRecord] = []
            var previousSaved: (file: String, offset: Int)?
            for round in 0..<5 {
                for batch in (round * 4)..<(round * 4 + 4) { try client.run(Self.batchSQL(database, batch)) }
                let metricsFile = scratch.appendingPathComponent("metrics-\(round).prom").path
                var arguments = [
                    "run", "--source", source, "--until", "now", "--state", state, "--include", "\(database).*",
                    "--metrics-file", metricsFile, "--progress", "lines", "--progress-interval", "0.5",
                ]
                if round == 0 { arguments += ["--start", "\(start.file):\(start.offset)"] }
                let result = try BinlogSinkCLI.run(arguments)
                #expect(result.status == 0, "round \(round): \(result.stderr)")
                let records = try BinlogRecord.parseAll(result.stdout)
                // 4 batches of 3 inserts, 1 update, 1 delete, 1 update.
                #expect(records.count == 24, "round \(round): \(records.count) records")
                if let previousSaved {
                    #expect(
                        result.stderr.contains(
                            "resuming from the saved position \(previousSaved.file):\(previousSaved.offset)"),
                        "round \(round) did not start where round \(round - 1) ended: \(result.stderr)")
                }
                let metrics = try PrometheusText(String(contentsOfFile: metricsFile, encoding: .utf8))
                #expect(Self.metricCounts(metrics) == Self.counts(records), "round \(round): metrics vs records")
                #expect(metrics.value("binlog_sink_up") == 0)
                #expect(result.stderr.contains("progress: binlog:"), "round \(round): no progress line")
                previousSaved = try savedPosition(state)
                let now = try position()
                #expect(
                    previousSaved.map { $0 == now } == true,
                    "round \(round) saved \(String(describing: previousSaved)), server at \(now)")
                all += records
            }
            let keys = all.map(\.key)
            #expect(Set(keys).count == keys.count, "a record was delivered twice across runs")
            try expectReplayMatches(all, database, "five cron runs")

            // status: the saved position, its age, the schema, and no lag.
            let status = try BinlogSinkCLI.run(["status", "--state", state, "--source", source])
            #expect(status.status == 0, "\(status.stderr)")
            let text = status.stdoutText
            if let previousSaved {
                #expect(text.contains("position:    \(previousSaved.file):\(previousSaved.offset)"), "\(text)")
            }
            #expect(text.contains("saved:"), "\(text)")
            #expect(text.contains("schema:      1 version(s) of 1 table(s)"), "\(text)")
            #expect(text.contains("lag:         0 bytes, 0 file(s) behind"), "\(text)")
            #expect(text.contains("needed:") && text.contains("present"), "\(text)")
        }

        @Test("heartbeats: the saved position follows the server while only an excluded table changes")
        func idleCapturedTablesAdvance() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_ops_idle")
            let state = scratch.appendingPathComponent("state").path
            try client.run(
                "CREATE DATABASE `\(database)`; USE `\(database)`; \(Self.batchTable); CREATE TABLE other (id INT PRIMARY KEY);"
            )
            let run = try LiveBackgroundRun([
                "run", "--source", source, "--start", "latest", "--until", "never", "--state", state,
                "--include", "\(database).t", "--heartbeat", "1", "--checkpoint-interval", "0.2",
            ])
            // Wait for the first save, then write to the excluded table only.
            var deadline = Date().addingTimeInterval(30)
            while try savedPosition(state) == nil && Date() < deadline { usleep(100_000) }
            let before = try #require(try savedPosition(state), "no first checkpoint: \(run.summary)")
            for id in 0..<20 { try client.run("INSERT INTO `\(database)`.other VALUES (\(id))") }
            try client.run("FLUSH BINARY LOGS")
            try client.run("INSERT INTO `\(database)`.other VALUES (1000)")
            let target = try position()
            deadline = Date().addingTimeInterval(30)
            var after = try savedPosition(state)
            while after.map({ Self.order($0, target) }) != false && Date() < deadline {
                usleep(100_000)
                after = try savedPosition(state)
            }
            // No transaction at all, only rotations: the saved position still moves into the newest binlog.
            try client.run("FLUSH BINARY LOGS")
            try client.run("FLUSH BINARY LOGS")
            let newest = try position()
            deadline = Date().addingTimeInterval(30)
            var rotated = try savedPosition(state)
            while rotated?.file != newest.file && Date() < deadline {
                usleep(100_000)
                rotated = try savedPosition(state)
            }
            #expect(rotated?.file == newest.file, "saved \(String(describing: rotated)) after rotations to \(newest)")
            #expect(run.stop() == 0, "\(run.summary)")
            #expect(try run.records().isEmpty, "records of an excluded table")
            let moved = try #require(after)
            #expect(Self.order(before, moved), "the saved position did not move: \(before) then \(moved)")
            #expect(!Self.order(moved, target), "saved \(moved), the server is at \(target)")
        }

        @Test("a second run on a state in use exits 5 with a message naming the holder")
        func lockHeld() throws {
            let state = scratch.appendingPathComponent("state").path
            let run = try LiveBackgroundRun([
                "run", "--source", source, "--start", "latest", "--until", "never", "--state", state,
                "--heartbeat", "1",
            ])
            let deadline = Date().addingTimeInterval(30)
            while try savedPosition(state) == nil && Date() < deadline { usleep(100_000) }
            let second = try BinlogSinkCLI.run([
                "run", "--source", source, "--start", "latest", "--until", "now", "--state", state,
            ])
            #expect(second.status == 5, "\(second.status): \(second.stderr)")
            // status reads without the lock: it works while the run holds it.
            let status = try BinlogSinkCLI.run(["status", "--state", state])
            #expect(status.status == 0 && status.stdoutText.contains("position:    "), "\(status.stderr)")
            #expect(
                second.stderr.contains("is in use by process \(run.process.processIdentifier)"), "\(second.stderr)")
            #expect(run.stop() == 0, "\(run.summary)")
        }

        @Test("SIGTERM while blocked reading an idle server without heartbeats: exit 0 at once")
        func stopWhileIdle() throws {
            let state = scratch.appendingPathComponent("state").path
            let run = try LiveBackgroundRun([
                "run", "--source", source, "--start", "latest", "--until", "never", "--state", state,
                "--heartbeat", "0",
            ])
            let deadline = Date().addingTimeInterval(30)
            while try savedPosition(state) == nil && Date() < deadline { usleep(100_000) }
            try #require(try savedPosition(state) != nil, "no first checkpoint: \(run.summary)")
            usleep(500_000)  // blocked in the read: no heartbeat will ever wake it
            let clock = ContinuousClock()
            let signalled = clock.now
            let status = run.stop(SIGINT, timeout: 20)
            let took = clock.now - signalled
            #expect(status == 0, "\(run.summary)")
            #expect(took < .seconds(3), "the stop of an idle stream took \(took)")
            #expect(run.stderr.contains("stopped by SIGINT"), "\(run.stderr)")
        }

        @Test("a sink that never acknowledges: --shutdown-timeout exits 7, a second signal exits 6")
        func stopBounds() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_ops_bound")
            try client.run("CREATE DATABASE `\(database)`; USE `\(database)`; \(Self.batchTable);")
            let deadPort = try Self.freePort()  // no Redis there: every flush waits, retrying
            for (index, mode) in ["timeout", "second signal"].enumerated() {
                // An explicit start: with `latest`, a binary slower to start (sanitizers) began after the batch and
                // had nothing to deliver.
                let start = try position()
                let run = try LiveBackgroundRun(
                    [
                        "run", "--source", source, "--start", "\(start.file):\(start.offset)", "--until", "never",
                        "--include", "\(database).*", "--sink", "redis://127.0.0.1:\(deadPort)",
                        "--heartbeat", "1",
                    ] + (index == 0 ? ["--shutdown-timeout", "2"] : []))
                usleep(1_000_000)
                try client.run(Self.batchSQL(database, index))
                let deadline = Date().addingTimeInterval(30)
                while !run.stderr.contains("cannot connect") && Date() < deadline { usleep(100_000) }
                try #require(run.stderr.contains("cannot connect"), "\(mode): the sink did not wait: \(run.summary)")
                let clock = ContinuousClock()
                let signalled = clock.now
                kill(run.process.processIdentifier, SIGTERM)
                if index == 1 {
                    usleep(500_000)
                    #expect(run.process.isRunning, "\(mode): exited before the second signal: \(run.summary)")
                    kill(run.process.processIdentifier, SIGTERM)
                }
                let exitDeadline = Date().addingTimeInterval(15)
                while run.process.isRunning && Date() < exitDeadline { usleep(20_000) }
                let took = clock.now - signalled
                let status = run.stop(SIGKILL, timeout: 1)  // only a run that hung is killed here
                #expect(status == (index == 0 ? 7 : 6), "\(mode): \(run.summary)")
                #expect(took < .seconds(index == 0 ? 5 : 3), "\(mode): took \(took)")
            }
        }

        @Test("--progress auto draws a bar on a terminal and writes plain lines otherwise")
        func progressOnTerminal() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_ops_progress")
            try client.run("CREATE DATABASE `\(database)`; USE `\(database)`; \(Self.batchTable);")
            let start = try position()
            for batch in 0..<20 { try client.run(Self.batchSQL(database, batch)) }
            let executable = try #require(BinlogSinkCLI.executable?.path)
            let arguments = [
                executable, "run", "--source", source, "--start", "\(start.file):\(start.offset)", "--until", "now",
                "--include", "\(database).*", "--sink", "file:" + scratch.appendingPathComponent("out").path,
            ]
            let command = arguments.map { "'" + $0 + "'" }.joined(separator: " ")
            // script(1) gives the run a terminal: the bar is redrawn in place with a carriage return.
            let terminal = try MariaDBClient.runProcess(
                "/usr/bin/script", ["-qec", command, "/dev/null"], input: Data(), timeout: 120)
            let shown = String(decoding: terminal.stdout, as: UTF8.self)
            #expect(terminal.status == 0, "\(shown)")
            #expect(shown.contains("\rbinlog: [########################] 100.0%"), "no full bar: \(shown.suffix(600))")
            // Not a terminal: no carriage return, a plain progress line.
            let plain = try BinlogSinkCLI.run(
                Array(arguments.dropFirst()).map { $0.hasPrefix("file:") ? $0 + "2" : $0 })
            #expect(plain.status == 0, "\(plain.stderr)")
            #expect(!plain.stderr.contains("\r"), "\(plain.stderr)")
            #expect(plain.stderr.contains("binlog-sink: progress: binlog: 100.0%"), "\(plain.stderr)")
        }

        @Test("retention runway: the whole retention while the needed binlog is the newest, less once it rotated")
        func retentionRunway() throws {
            let original = try client.scalar("SELECT @@global.binlog_expire_logs_seconds")
            try client.run("SET GLOBAL binlog_expire_logs_seconds = 86400")
            defer { _ = try? client.run("SET GLOBAL binlog_expire_logs_seconds = \(original)") }
            let database = LiveMariaDBTests.uniqueDatabase("bls_ops_runway")
            let state = scratch.appendingPathComponent("state").path
            try client.run("CREATE DATABASE `\(database)`; USE `\(database)`; \(Self.batchTable);")
            let start = try position()
            for batch in 0..<3 { try client.run(Self.batchSQL(database, batch)) }
            let end = try position()
            try client.run("FLUSH BINARY LOGS")
            try client.run(Self.batchSQL(database, 3))
            func runway(_ until: String, _ extra: [String]) throws -> (Double?, PrometheusText) {
                let file = scratch.appendingPathComponent("runway-\(until.count).prom").path
                let result = try BinlogSinkCLI.run(
                    [
                        "run", "--source", source, "--until", until, "--state", state, "--include", "\(database).*",
                        "--metrics-file", file,
                    ] + extra)
                #expect(result.status == 0, "\(result.stderr)")
                let metrics = try PrometheusText(String(contentsOfFile: file, encoding: .utf8))
                return (metrics.value("binlog_sink_binlog_retention_runway_seconds"), metrics)
            }
            // Stopped in the rotated binlog: the retention minus the time since its last event (seconds ago).
            let (rotated, first) = try runway(
                "\(end.file):\(end.offset)", ["--start", "\(start.file):\(start.offset)"])
            let value = try #require(rotated, "no runway")
            #expect(value < 86400 && value > 86400 - 120, "runway \(value) for a binlog rotated seconds ago")
            #expect(first.value("binlog_sink_lag_seconds") == 0, "a finished --until run is not behind")
            #expect((first.value("binlog_sink_lag_bytes") ?? 0) > 0, "the batch after the rotation is still ahead")
            // Caught up into the newest binlog: it cannot be purged before it rotates, so the whole retention.
            let (newest, last) = try runway("now", [])
            #expect(newest == 86400)
            // Not behind by a transaction; MariaDB may append a BINLOG_CHECKPOINT event (about 43 bytes) to the new
            // binlog after the rotation, asynchronously, so a few bytes can appear after `--until now` read the end.
            let lagBytes = last.value("binlog_sink_lag_bytes") ?? -1
            #expect(lagBytes >= 0 && lagBytes < 100, "lag bytes \(lagBytes) after --until now")
            let status = try BinlogSinkCLI.run(["status", "--state", state, "--source", source])
            #expect(status.stdoutText.contains("retention:   24 h"), "\(status.stdoutText)")
        }

        @Test("metrics labels: a table name with a quote, a backslash and a newline is escaped")
        func oddTableNameLabels() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_ops_odd")
            let table = "odd\"na\\me\nx"
            let quoted = "`" + table + "`"
            try client.run("CREATE DATABASE `\(database)`; CREATE TABLE `\(database)`.\(quoted) (id INT PRIMARY KEY);")
            let start = try position()
            try client.run(
                "INSERT INTO `\(database)`.\(quoted) VALUES (1), (2); DELETE FROM `\(database)`.\(quoted) WHERE id = 1;"
            )
            let file = scratch.appendingPathComponent("odd.prom").path
            let result = try BinlogSinkCLI.run([
                "run", "--source", source, "--start", "\(start.file):\(start.offset)", "--until", "now",
                "--include", "\(database).*", "--metrics-file", file,
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let metrics = try PrometheusText(String(contentsOfFile: file, encoding: .utf8))
            #expect(metrics.value("binlog_sink_records_total", ["table": "\(database).\(table)", "op": "insert"]) == 2)
            #expect(metrics.value("binlog_sink_records_total", ["table": "\(database).\(table)", "op": "delete"]) == 1)
        }

        @Test("usage: bad --log-level and --metrics-listen are refused with 64")
        func badOptions() throws {
            let level = try BinlogSinkCLI.run(["run", "--source", source, "--log-level", "loud"])
            #expect(level.status == 64, "\(level.stderr)")
            let listen = try BinlogSinkCLI.run([
                "run", "--source", source, "--until", "now", "--metrics-listen", "127.0.0.1:notaport",
            ])
            #expect(listen.status == 64, "\(listen.stderr)")
            #expect(listen.stderr.contains("--metrics-listen 127.0.0.1:notaport"), "\(listen.stderr)")
        }
    }
}
