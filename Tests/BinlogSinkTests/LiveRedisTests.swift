import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// The Redis sink end to end (docs/redis-sink.md): `binlog-sink run --sink redis://…` from the throwaway MariaDB
// (127.0.0.1:$BINLOG_SINK_TEST_MYSQL_PORT) into the throwaway redis-server (127.0.0.1:$BINLOG_SINK_TEST_REDIS_PORT),
// both started by scripts/test. Redis is read back with a small RESP client of the tests' own (LiveRedisClient: exact
// bytes, XRANGE / SCAN / HGETALL), and what it holds is compared with what the server returns for SELECT.
//
// - stream mode, json: every column type (LiveWorkload: DDL on a table created inside the range, multi-statement
//   transactions, a ROLLBACK) → the entries of every stream, parsed, are the records of the offline `parse` of the
//   same range (with the run's saved schema history), each once, and replay to SELECT for every table.
// - hash mode: the same workload → each table's hashes ARE the table (SELECT), column values are the JSON text the
//   json format renders for the same rows (a stdout run of the same range), keys are the primary-key objects, a
//   primary-key-changing UPDATE removed the old hash, and `{prefix}:position` is the last commit's end (SHOW MASTER
//   STATUS) and the run's saved position.
// - crash safety, both modes: a loop of small transactions while `run --until never --state` is SIGKILLed at 10
//   random moments and restarted; then `--until now`. Stream mode: every key of the offline parse is in the streams,
//   nothing else, re-delivered entries only from the last checkpoint on, and the de-duplicated replay equals SELECT.
//   Hash mode: the hashes equal SELECT and the position hash is the saved position.
// - outage: a redis-server of the test's own (port $BINLOG_SINK_TEST_REDIS_PORT+20, appendonly) stopped with
//   SHUTDOWN for 20 s mid-run while the workload writes: the tool keeps running, the saved position does not move
//   while Redis is down and never runs ahead of what Redis had acknowledged, and after the restart every key arrives.
//
// Each test writes into its own Redis database number and under its own `?prefix=`, and deletes its keys after.

extension LiveServer {
    @Suite(
        "Live Redis sink: streams and hashes equal the source tables, through crashes and outages",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil && LiveRedisClient.environmentPort != nil
                && LiveRedisServer.executable != nil,
            "needs BINLOG_SINK_TEST_MYSQL_SOCKET / _PORT and BINLOG_SINK_TEST_REDIS_PORT (scripts/test starts both)")
    )
    struct LiveRedisTests {
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
                "bls-redis-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        }

        var source: String { "mysql://root@127.0.0.1:\(port)" }

        static func uniquePrefix(_ name: String) -> String { "\(name)\(UUID().uuidString.prefix(8).lowercased())" }

        static func sink(port: Int, database: Int, mode: String, prefix: String) -> String {
            "redis://127.0.0.1:\(port)/\(database)?mode=\(mode)&prefix=\(prefix)"
        }

        func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> ParseRun {
            ParseRun(arguments: arguments, result: try BinlogSinkCLI.run(arguments, timeout: timeout))
        }

        /// The offline `parse` of everything from `start` to the end of the binlogs (closed now).
        func reference(from start: LiveBinlogPoint, _ extra: [String]) throws -> [BinlogRecord] {
            let files = try client.closedBinlogs(since: start.file)
            let parsed = try run(["parse"] + files + ["--start-position", "\(start.pos)"] + extra, timeout: 300)
            try #require(parsed.status == 0, "\(parsed.summary)")
            return try parsed.records()
        }

        /// LiveWorkload's tables: t_alter (ALTERed mid-stream) matched by primary key, the others by whole rows.
        static func workloadReplayer() -> RecordReplayer {
            RecordReplayer(primaryKey: { $0.hasSuffix(".t_alter") ? ["id"] : nil })
        }

        /// Every LiveWorkload table of `database`: `rows(table)` against the server's SELECT (LiveComparison).
        func compareWorkloadTables(
            database: String, _ context: String, skip: Set<String> = [], rows: (LiveTable) -> [JSONObject]
        ) throws {
            for table in LiveWorkload.tables where !skip.contains(table.name) {
                let serverRows = try client.select(
                    table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.`\(table.name)`",
                    setup: "SET SESSION time_zone = '+00:00'")
                expectNoProblems(
                    LiveComparison.compare(table, replayed: rows(table), serverRows: serverRows),
                    "\(context) \(table.name) vs SELECT")
            }
        }

        // MARK: a. stream mode

        @Test("stream mode, json: every type, DDL, transactions, ROLLBACK → the streams replay to SELECT")
        func streamModeMaterializes() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_rstream")
            let prefix = Self.uniquePrefix("blsa")
            let redis = try LiveRedisClient(port: redisPort, database: 11)
            defer { try? redis.deleteKeys(matching: "\(prefix):*") }
            defer { try? FileManager.default.removeItem(at: scratch) }
            let state = scratch.appendingPathComponent("state").path

            let start = try LiveBinlogPoint.current(client)
            try client.run(LiveWorkload.sql(database: database))
            let result = try run([
                "run", "--source", source, "--start", start.description, "--until", "now", "--state", state,
                "--sink", Self.sink(port: redisPort, database: 11, mode: "stream", prefix: prefix),
                "--include", "\(database).*",
            ])
            #expect(result.status == 0, "\(result.summary)")
            #expect(result.result.stdout.isEmpty, "the redis sink writes nothing to stdout")

            let (streams, problems) = try LiveRedisContent.streams(redis, prefix: prefix, database: database)
            expectNoProblems(problems, "stream entries")
            let expectedStreams = Set(LiveWorkload.tables.map { "\(prefix):\(database):\($0.name)" })
            #expect(
                Set(streams.keys) == expectedStreams,
                "streams \(streams.keys.sorted()), expected one per table \(expectedStreams.sorted())")
            #expect(
                try redis.keys(matching: "\(prefix):*").allSatisfy { streams[$0] != nil },
                "stream mode writes only the streams (no position hash, no other key)")

            // The records of the offline parse of the same range (named with the run's saved schema history), each
            // table's in its stream in binlog order, each exactly once (no crash, no outage: no duplicate).
            let expected = try reference(from: start, ["--include", "\(database).*", "--state", state])
            #expect(!expected.isEmpty)
            var differences: [String] = []
            for (name, entries) in streams {
                let table = String(name.dropFirst("\(prefix):\(database):".count))
                let wanted = expected.filter { $0.table == table }
                if entries.map(\.key) != wanted.map(\.key) {
                    let first = zip(entries, wanted).enumerated().first { $0.element.0.key != $0.element.1.key }
                    differences.append(
                        "\(name): \(entries.count) entries vs \(wanted.count) records of the parse; first "
                            + "difference at \(first?.offset ?? min(entries.count, wanted.count))")
                    continue
                }
                for (entry, record) in zip(entries, wanted) where entry.record.raw != record.raw {
                    differences.append("\(name) \(entry.key): stream \(entry.record) vs parse \(record)")
                }
            }
            expectNoProblems(differences, "streams vs parse of the same range")

            let (records, entryCount) = LiveRedisContent.uniqueRecords(streams)
            #expect(entryCount == records.count, "\(entryCount - records.count) duplicate entries in a clean run")
            var replayer = Self.workloadReplayer()
            replayer.apply(records)
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the streams")
            try compareWorkloadTables(database: database, "streams:") { replayer.rows("\(database).\($0.name)") }
        }

        // MARK: b. hash mode

        @Test("hash mode: each table's hashes are its SELECT, values the json format's text, position the last commit")
        func hashModeMirrors() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_rhash")
            let prefix = Self.uniquePrefix("blsb")
            let redis = try LiveRedisClient(port: redisPort, database: 12)
            defer { try? redis.deleteKeys(matching: "\(prefix):*") }
            defer { try? FileManager.default.removeItem(at: scratch) }
            let state = scratch.appendingPathComponent("state").path

            let start = try LiveBinlogPoint.current(client)
            try client.run(LiveWorkload.sql(database: database))
            let end = try LiveBinlogPoint.current(client)
            let endGTID = try client.scalar("SELECT @@global.gtid_binlog_pos")
            let result = try run([
                "run", "--source", source, "--start", start.description, "--until", "now", "--state", state,
                "--sink", Self.sink(port: redisPort, database: 12, mode: "hash", prefix: prefix),
                "--include", "\(database).*",
            ])
            #expect(result.status == 0, "\(result.summary)")
            // The json format's rendering of the same range, to stdout.
            let stdoutRun = try run([
                "run", "--source", source, "--start", start.description, "--until", end.description,
                "--include", "\(database).*",
            ])
            #expect(stdoutRun.status == 0, "\(stdoutRun.summary)")
            let records = try stdoutRun.records()
            var replayer = Self.workloadReplayer()
            replayer.apply(records)
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the stdout run")

            let (hashRows, problems) = try LiveRedisContent.hashes(redis, prefix: prefix, database: database)
            expectNoProblems(problems, "hashes")
            let tables = Dictionary(uniqueKeysWithValues: LiveWorkload.tables.map { ($0.name, $0) })
            var byTable: [String: [LiveRedisContent.HashRow]] = [:]
            var shapeProblems: [String] = []
            for hash in hashRows {
                guard let table = tables[hash.table] else {
                    shapeProblems.append("\(hash.key): a hash of an unknown table")
                    continue
                }
                byTable[hash.table, default: []].append(hash)
                // Fields: exactly the table's (final) columns: the hash is replaced, never keeps a dropped column.
                let names = Set(hash.row.keys)
                if names != Set(table.columns.map(\.name)) {
                    shapeProblems.append(
                        "\(hash.key): fields \(hash.row.keys.sorted()), columns \(table.columns.map(\.name))")
                }
                // Key: the primary-key columns in key order (the whole row without one), with the row's values.
                let keyColumns = table.primaryKey.isEmpty ? table.columns.map(\.name) : table.primaryKey
                if hash.keyObject.keys != keyColumns
                    || keyColumns.contains(where: { hash.keyObject[$0] != hash.row[$0] })
                {
                    shapeProblems.append("\(hash.key): the key does not name the row's \(keyColumns)")
                }
            }
            expectNoProblems(shapeProblems, "hash keys and fields")

            // Tables with a primary key: the hashes are the table. t_nopk (no primary key, duplicate rows) is keyed
            // by the whole row, so identical rows share one hash and a delete or update of one copy removes it
            // while other copies remain: there the hashes can only be a subset of the distinct rows.
            try compareWorkloadTables(database: database, "hashes:", skip: ["t_nopk"]) { table in
                (byTable[table.name] ?? []).map(\.row)
            }
            if let nopk = tables["t_nopk"] {
                let serverRows = try client.select(
                    nopk.columns.map(LiveComparison.serverExpression), from: "`\(database)`.t_nopk")
                let server = Set(
                    serverRows.map { row in
                        zip(nopk.columns, row).map { LiveComparison.canonical(server: $1, kind: $0.kind) }
                    })
                let mirrored = (byTable["t_nopk"] ?? []).map { hash in
                    nopk.columns.map { LiveComparison.canonical(record: hash.row[$0.name], kind: $0.kind) }
                }
                #expect(mirrored.allSatisfy { server.contains($0) }, "t_nopk: a hash that is no row of the table")
                #expect(!mirrored.isEmpty, "t_nopk: no hash at all")
            }

            // Values: exactly the text the json format renders for the same rows (the replayed stdout run).
            var valueProblems: [String] = []
            for table in LiveWorkload.tables where !table.primaryKey.isEmpty {
                let replayed = replayer.rows("\(database).\(table.name)")
                func key(_ row: JSONObject) -> String {
                    table.primaryKey.map { LiveRedisContent.exact(row[$0]) }.joined(separator: "|")
                }
                let replayedByKey = Dictionary(replayed.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
                for hash in byTable[table.name] ?? [] {
                    guard let row = replayedByKey[key(hash.row)] else {
                        valueProblems.append("\(hash.key): no such row in the json records")
                        continue
                    }
                    for column in table.columns
                    where LiveRedisContent.exact(hash.row[column.name]) != LiveRedisContent.exact(row[column.name]) {
                        valueProblems.append(
                            "\(hash.key) \(column.name): hash \(LiveRedisContent.exact(hash.row[column.name]).prefix(120)), "
                                + "json \(LiveRedisContent.exact(row[column.name]).prefix(120))")
                    }
                }
            }
            expectNoProblems(valueProblems, "hash values vs the json records")

            // A primary-key-changing UPDATE removed the old hash (the workload has several).
            var changed = 0
            var stale: [String] = []
            for record in records where record.op == .update {
                guard let table = tables[record.table], !table.primaryKey.isEmpty, let before = record.before,
                    let after = record.after,
                    table.primaryKey.contains(where: { before[$0] != after[$0] })
                else { continue }
                changed += 1
                let oldKey = table.primaryKey.map { LiveRedisContent.exact(before[$0]) }
                let stillThere = replayer.rows("\(database).\(table.name)").contains { row in
                    table.primaryKey.map { LiveRedisContent.exact(row[$0]) } == oldKey
                }
                if !stillThere,
                    let hash = (byTable[table.name] ?? []).first(where: { hash in
                        table.primaryKey.map { LiveRedisContent.exact(hash.row[$0]) } == oldKey
                    })
                {
                    stale.append("\(hash.key) is still there after \(record.key) moved the row")
                }
            }
            #expect(changed >= 3, "the workload changes primary keys")
            expectNoProblems(stale, "primary-key-changing updates")

            // The position: where the last transaction ended, as the run saved it.
            let position = try #require(try LiveRedisContent.position(redis, prefix: prefix), "no \(prefix):position")
            #expect(position.point == end, "\(prefix):position \(position.point), SHOW MASTER STATUS \(end)")
            let saved = try #require(try LiveSavedPosition.show(state: state))
            #expect(position.point == saved.position && saved.transactionStart == nil, "saved \(saved)")
            #expect(position.gtid == endGTID, "gtid \(position.gtid), @@gtid_binlog_pos \(endGTID)")
        }

        // MARK: c. crash safety

        @Test(
            "SIGKILL at 10 random moments during a workload: every change arrives, duplicates only after the checkpoint",
            arguments: ["stream", "hash"])
        func crashSafety(mode: String) throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_rcrash")
            let prefix = Self.uniquePrefix("blsc")
            let redisDatabase = mode == "stream" ? 13 : 14
            let redis = try LiveRedisClient(port: redisPort, database: redisDatabase)
            defer { try? redis.deleteKeys(matching: "\(prefix):*") }
            defer { try? FileManager.default.removeItem(at: scratch) }
            let state = scratch.appendingPathComponent("state-\(mode)").path
            let table = LiveRestartTests.table
            let streamKey = "\(prefix):\(database):t"
            try client.run("CREATE DATABASE `\(database)` CHARACTER SET utf8mb4;\n" + table.create(in: database))
            let start = try LiveBinlogPoint.current(client)
            guard let executable = BinlogSinkCLI.executable else {
                throw BinlogSinkCLI.CLIError(message: "binlog-sink executable not found")
            }
            let arguments = [
                "run", "--source", source, "--start", start.description, "--until", "never", "--state", state,
                "--sink", Self.sink(port: redisPort, database: redisDatabase, mode: mode, prefix: prefix),
                "--include", "\(database).*", "--checkpoint-interval", "0.1",
            ]
            let workload = LiveLoopWorkload(client: client) { LiveRestartTests.batchSQL(database: database, batch: $0) }
            var workloadStopped = false
            defer { if !workloadStopped { workload.stop() } }

            // After each kill: the saved checkpoint, how long the stream was (what the next run appends after) and
            // the position hash (hash mode).
            var restarts: [(saved: LiveSavedPosition?, length: Int, position: LiveBinlogPoint?)] = []
            var generator = SystemRandomNumberGenerator()
            var kills = 0
            let stderrURL = scratch.appendingPathComponent("stderr-\(mode)")
            for _ in 0..<10 {
                try Data().write(to: stderrURL)
                let errors = try FileHandle(forWritingTo: stderrURL)
                defer { try? errors.close() }
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments
                process.standardOutput = FileHandle.nullDevice
                process.standardError = errors
                process.standardInput = FileHandle.nullDevice
                try process.run()
                usleep(UInt32.random(in: LiveTiming.scaled(400_000...1_200_000), using: &generator))
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
                process.waitUntilExit()
                let stderr = String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self)
                try #require(
                    process.terminationReason == .uncaughtSignal,
                    "`run --until never` exited by itself (\(process.terminationStatus)): \(stderr.suffix(1500))")
                // Commands the killed process had already sent may still be in Redis's input: wait until the stream
                // (or the position hash) stops changing.
                var seen: (Int, LiveBinlogPoint?) = (-1, nil)
                while true {
                    let now = (
                        try redis.command(["XLEN", streamKey]).integer ?? 0,
                        try LiveRedisContent.position(redis, prefix: prefix)?.point
                    )
                    if now == seen { break }
                    seen = now
                    usleep(100_000)
                }
                restarts.append((try LiveSavedPosition.show(state: state), seen.0, seen.1))
            }
            workload.stop()
            workloadStopped = true
            #expect(kills == 10, "the process finished before it could be killed")
            // The killed runs got somewhere (else the last run did all the work and the kills proved nothing).
            let progress = mode == "stream" ? Set(restarts.map(\.length)).count : Set(restarts.map(\.position)).count
            #expect(
                progress >= 2, "only \(progress) different states of Redis after 10 kills: the runs delivered little")
            #expect(workload.committed >= 20, "the workload committed only \(workload.committed) batches")
            let last = try run(arguments.map { $0 == "never" ? "now" : $0 })
            #expect(last.status == 0, "\(last.summary)")
            let saved = try #require(try LiveSavedPosition.show(state: state))
            let expected = try reference(from: start, ["--include", "\(database).*"])
            #expect(!expected.isEmpty)
            let serverRows = try client.select(
                table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.t")

            if mode == "hash" {
                let (hashRows, problems) = try LiveRedisContent.hashes(redis, prefix: prefix, database: database)
                expectNoProblems(problems, "hashes")
                expectNoProblems(
                    LiveComparison.compare(table, replayed: hashRows.map(\.row), serverRows: serverRows),
                    "hash mode after \(kills) kills: hashes vs SELECT")
                let position = try #require(try LiveRedisContent.position(redis, prefix: prefix))
                #expect(position.point == saved.position, "\(prefix):position \(position.point), saved \(saved)")
                print("redis hash mode: \(kills) kills, \(expected.count) records, \(hashRows.count) hashes")
                return
            }

            let (streams, problems) = try LiveRedisContent.streams(redis, prefix: prefix, database: database)
            expectNoProblems(problems, "stream entries")
            let entries = streams[streamKey] ?? []
            let (records, entryCount) = LiveRedisContent.uniqueRecords(streams)
            let deliveredKeys = records.map(\.key)
            let expectedKeys = expected.map(\.key)
            let missing = Set(expectedKeys).subtracting(deliveredKeys)
            let unexpected = Set(deliveredKeys).subtracting(expectedKeys)
            #expect(
                missing.isEmpty && unexpected.isEmpty,
                "\(missing.count) missing (e.g. \(missing.sorted().prefix(3))), \(unexpected.count) unexpected (e.g. \(unexpected.sorted().prefix(3)))"
            )
            // First copies in binlog order: re-sent entries come after their originals.
            var seen = Set<String>()
            let firstCopies = entries.filter { seen.insert($0.key).inserted }.map(\.key)
            #expect(firstCopies.elementsEqual(expectedKeys), "the first copies are not in binlog order")

            // Each saved checkpoint was never ahead of Redis: every record before it was in the stream when the run
            // was killed.
            var ahead: [String] = []
            for (number, restart) in restarts.enumerated() {
                guard let boundary = restart.saved?.boundary else { continue }
                let there = Set(entries.prefix(restart.length).map(\.key))
                for record in expected where LiveBinlogPoint(record) < boundary && !there.contains(record.key) {
                    ahead.append(
                        "kill \(number + 1): \(record.key) is before the checkpoint \(boundary) but not in Redis")
                }
            }
            expectNoProblems(ahead, "checkpoints ahead of Redis")

            // Duplicates only from the last checkpoint on: what run k+1 appended (after the length the stream had
            // when run k was killed) and had been delivered before is at or after the checkpoint run k saved.
            var early: [String] = []
            for (number, restart) in restarts.enumerated() {
                guard let boundary = restart.saved?.boundary else { continue }
                let from = min(restart.length, entries.count)
                let to = number + 1 < restarts.count ? min(restarts[number + 1].length, entries.count) : entries.count
                let before = Set(entries[..<from].map(\.key))
                for entry in entries[from..<max(from, to)]
                where before.contains(entry.key) && LiveBinlogPoint(entry.record) < boundary {
                    early.append("run \(number + 2) sent \(entry.key) again, before the checkpoint \(boundary)")
                }
            }
            expectNoProblems(early, "re-delivered before the checkpoint")
            let duplicates = entryCount - records.count
            #expect(duplicates < expected.count, "\(duplicates) duplicates for \(expected.count) records")
            print(
                "redis stream mode: \(kills) kills, \(expected.count) records, \(entryCount) entries, "
                    + "\(duplicates) duplicates")

            var replayer = RecordReplayer(primaryKey: { _ in ["id"] })
            replayer.apply(records)
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the de-duplicated streams")
            expectNoProblems(
                LiveComparison.compare(table, replayed: replayer.rows("\(database).t"), serverRows: serverRows),
                "stream mode after \(kills) kills: replay vs SELECT")
        }

        // MARK: d. outage

        @Test("Redis stopped for 20 s mid-run: the run waits, the checkpoint holds, every change arrives after")
        func redisOutage() throws {
            let ownPort = redisPort + 20
            let server = try LiveRedisServer(port: ownPort)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let database = LiveMariaDBTests.uniqueDatabase("bls_routage")
            let prefix = Self.uniquePrefix("blsd")
            let state = scratch.appendingPathComponent("state").path
            let table = LiveRestartTests.table
            let streamKey = "\(prefix):\(database):t"
            try client.run("CREATE DATABASE `\(database)` CHARACTER SET utf8mb4;\n" + table.create(in: database))
            let start = try LiveBinlogPoint.current(client)
            let run = try LiveBackgroundRun([
                "run", "--source", source, "--start", start.description, "--until", "never", "--state", state,
                "--sink", Self.sink(port: ownPort, database: 0, mode: "stream", prefix: prefix),
                "--include", "\(database).*", "--checkpoint-interval", "0.2",
            ])
            let workload = LiveLoopWorkload(client: client, pause: 100_000) {
                LiveRestartTests.batchSQL(database: database, batch: $0)
            }
            var workloadStopped = false
            defer { if !workloadStopped { workload.stop() } }

            func length() -> Int {
                guard let redis = try? LiveRedisClient(port: ownPort, timeout: 5) else { return 0 }
                return (try? redis.command(["XLEN", streamKey]))?.integer ?? 0
            }
            var deadline = Date().addingTimeInterval(30)
            while length() < 30 && Date() < deadline && run.process.isRunning { usleep(100_000) }
            try #require(length() >= 30, "nothing reached Redis before the outage: \(run.summary)")

            // Outage: SHUTDOWN (appendonly fsynced), 20 s away while the workload goes on.
            try server.stop()
            let down = Date()
            usleep(1_000_000)  // a checkpoint whose flush was confirmed before the shutdown may still be saved
            let held = try #require(try LiveSavedPosition.show(state: state), "no checkpoint before the outage")
            var samples: [LiveSavedPosition?] = []
            // What Redis had acknowledged when it went down: the same directory on another port, which the run
            // does not know, then stopped again.
            try server.start(port: ownPort + 1)
            let acknowledged =
                try LiveRedisContent.streams(
                    LiveRedisClient(port: ownPort + 1), prefix: prefix, database: database
                ).streams[streamKey] ?? []
            try server.stop()
            while Date().timeIntervalSince(down) < 20 {
                samples.append(try LiveSavedPosition.show(state: state))
                #expect(run.process.isRunning, "the run exited while Redis was down: \(run.summary)")
                usleep(1_000_000)
            }
            let committedDuringOutage = workload.committed
            try server.start(port: ownPort)
            #expect(run.process.isRunning, "the run exited while Redis was down: \(run.summary)")
            let moved = samples.filter { $0 != held }
            #expect(
                moved.isEmpty,
                "the saved position moved while Redis was down: held \(held), then \(moved.prefix(3).map { $0.map(\.description) ?? "none" })"
            )
            #expect(samples.count >= 10, "only \(samples.count) samples during the outage")

            // More after the restart, then a last row the run must reach.
            deadline = Date().addingTimeInterval(30)
            while workload.committed < committedDuringOutage + 10 && Date() < deadline { usleep(50_000) }
            workload.stop()
            workloadStopped = true
            let lastID = 1_000_000_000
            try client.run("INSERT INTO `\(database)`.t VALUES (\(lastID), -1, 'last', 0)")
            let redis = try LiveRedisClient(port: ownPort)
            deadline = Date().addingTimeInterval(60)
            var reached = false
            while !reached && Date() < deadline && run.process.isRunning {
                let tail = try redis.streamEntries(streamKey, reverse: true, count: 5)
                reached = tail.contains { entry in
                    let record = entry.field("record").flatMap { try? BinlogRecord(JSONParser.parse(bytes: $0)) }
                    return record?.after?["id"]?.integerValue == Int128(lastID)
                }
                if !reached { usleep(200_000) }
            }
            #expect(reached, "the last row did not reach Redis after the restart: \(run.summary)")
            let serverRows = try client.select(
                table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.t")
            #expect(run.process.isRunning, "the run exited: \(run.summary)")
            run.stop()
            #expect(run.stderr.contains("cannot connect"), "no outage logged: \(run.summary)")
            #expect(run.stderr.contains("connected again"), "no reconnect logged: \(run.summary)")

            let expected = try reference(from: start, ["--include", "\(database).*"])
            let (streams, problems) = try LiveRedisContent.streams(redis, prefix: prefix, database: database)
            expectNoProblems(problems, "stream entries")
            let (records, entryCount) = LiveRedisContent.uniqueRecords(streams)
            let missing = Set(expected.map(\.key)).subtracting(records.map(\.key))
            let unexpected = Set(records.map(\.key)).subtracting(expected.map(\.key))
            #expect(
                missing.isEmpty && unexpected.isEmpty,
                "\(missing.count) missing (e.g. \(missing.sorted().prefix(3))), \(unexpected.count) unexpected (e.g. \(unexpected.sorted().prefix(3)))"
            )
            // The checkpoint held during the outage never ran ahead of Redis: every record before it was there.
            let acknowledgedKeys = Set(acknowledged.map(\.key))
            let ahead = expected.filter { LiveBinlogPoint($0) < held.boundary && !acknowledgedKeys.contains($0.key) }
            #expect(
                ahead.isEmpty,
                "\(ahead.count) records before the checkpoint \(held) were not in Redis when it stopped (e.g. \(ahead.prefix(3).map(\.key)))"
            )
            #expect(!acknowledged.isEmpty)
            print(
                "redis outage: \(samples.count) samples at \(held), \(acknowledged.count) entries acknowledged before, "
                    + "\(expected.count) records, \(entryCount - records.count) duplicates")

            var replayer = RecordReplayer(primaryKey: { _ in ["id"] })
            replayer.apply(records)
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the streams")
            expectNoProblems(
                LiveComparison.compare(table, replayed: replayer.rows("\(database).t"), serverRows: serverRows),
                "after the outage: replay vs SELECT")
        }
    }
}
