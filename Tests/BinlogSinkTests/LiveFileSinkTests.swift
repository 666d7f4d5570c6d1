import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `run --sink file:DIR` end to end against the throwaway MariaDB scripts/test starts: the workload over every column
// type (LiveWorkload: DDL on a table created inside the range, transactions, a ROLLBACK) delivered to per-table and
// single-file layouts and replayed to the server's SELECT; the same workload in the debezium format checked against
// the native records and, for the values Debezium represents differently, against values the server computes
// (docs/formats.md); and crash safety: SIGKILL at random moments during a continuous workload with size rotation.

extension LiveServer {
    @Suite(
        "Live file sink: run --sink file:DIR (json, debezium, crashes)",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil,
            "needs a live server: BINLOG_SINK_TEST_MYSQL_SOCKET and _PORT (scripts/test starts one)")
    )
    struct LiveFileSinkTests {
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
                "bls-filesink-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        }

        var source: String { "mysql://root@127.0.0.1:\(port)" }

        /// Removes the test's files (kept with BINLOG_SINK_TEST_KEEP=1, as scripts/test keeps the server's).
        func removeScratch() {
            guard ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_KEEP"] != "1" else { return }
            try? FileManager.default.removeItem(at: scratch)
        }

        func position() throws -> (file: String, pos: Int) {
            guard let row = try client.lines("SHOW MASTER STATUS").first, row.count >= 2, let pos = Int(row[1]) else {
                throw MariaDBClient.Failure(message: "SHOW MASTER STATUS returned nothing")
            }
            return (row[0], pos)
        }

        func run(_ arguments: [String]) throws -> ParseRun {
            ParseRun(arguments: ["run"] + arguments, result: try BinlogSinkCLI.run(["run"] + arguments, timeout: 120))
        }

        /// `run --until now` of `database` from `start` into `file:DIR` with a state directory of its own.
        func runToFiles(
            _ name: String, database: String, start: (file: String, pos: Int), extra: [String] = []
        ) throws -> (run: ParseRun, directory: URL) {
            let directory = scratch.appendingPathComponent(name)
            let run = try run(
                [
                    "--source", source, "--start", "\(start.file):\(start.pos)", "--until", "now",
                    "--state", scratch.appendingPathComponent("state-\(name)").path,
                    "--sink", "file:\(directory.path)", "--include", "\(database).*",
                ] + extra)
            return (run, directory)
        }

        /// The offline reference: `parse` of the binlogs from `start` to now, for `database`.
        func parseReference(_ start: (file: String, pos: Int), database: String) throws -> [BinlogRecord] {
            let files = try client.closedBinlogs(since: start.file).map { URL(fileURLWithPath: $0) }
            let parsed = try ParseRun.parse(files, ["--start-position", "\(start.pos)", "--include", "\(database).*"])
            guard parsed.status == 0 else { throw MariaDBClient.Failure(message: "reference parse: \(parsed.summary)") }
            return try parsed.records()
        }

        /// Replayed rows as text (NULL as nil), ordered by the integer first column, in the shape of
        /// `MariaDBClient.selectText`.
        static func textRows(_ rows: [JSONObject], _ columns: [String]) -> [[String?]] {
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

        static func binlogOrder(_ a: BinlogRecord, _ b: BinlogRecord) -> Bool {
            (a.file, a.pos, a.row) < (b.file, b.pos, b.row)
        }

        /// Native records of a file sink's output, checked: lines are records, each stream holds its own table's
        /// records in binlog order, keys are unique. Returns them in binlog order.
        func nativeRecords(_ output: LiveFileSinkOutput, layout: LiveFileSinkOutput.Layout, _ context: String)
            -> [BinlogRecord]
        {
            expectNoProblems(output.problems, "\(context): files")
            var all: [BinlogRecord] = []
            for (stream, lines) in output.streams {
                let (records, problems) = output.records(lines)
                expectNoProblems(problems, "\(context): \(stream)")
                if layout == .perTable {
                    let wrong = records.filter { "\($0.db).\($0.table)" != stream }
                    #expect(wrong.isEmpty, "\(context): \(stream) holds \(wrong.count) records of other tables")
                }
                #expect(
                    LiveFileSinkOutput.regressions(records) == 0, "\(context): \(stream) is not in binlog order")
                expectNoProblems(records.flatMap { $0.contractViolations().map { "\($0)" } }, "\(context): records")
                all += records
            }
            #expect(Set(all.map(\.key)).count == all.count, "\(context): duplicate records without a restart")
            return all.sorted(by: Self.binlogOrder)
        }

        /// Replays records and compares every workload table with the server's SELECT.
        func expectReplayEqualsServer(_ records: [BinlogRecord], database: String, _ context: String) throws {
            let alterKey = "\(database).t_alter"
            var replayer = RecordReplayer(primaryKey: { $0 == alterKey ? ["id"] : nil })
            replayer.apply(records)
            expectNoProblems(replayer.anomalies.map(\.description), "\(context): replay")
            for table in LiveWorkload.tables {
                let serverRows = try client.select(
                    table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.`\(table.name)`",
                    setup: "SET SESSION time_zone = '+00:00'")
                let differences = LiveComparison.compare(
                    table, replayed: replayer.rows("\(database).\(table.name)"), serverRows: serverRows)
                expectNoProblems(differences, "\(context): \(table.name): replay vs server")
            }
        }

        @Test("json: every column type, DDL, transactions to per-table files and to one file; replay equals SELECT")
        func jsonWorkload() throws {
            defer { removeScratch() }
            let database = LiveMariaDBTests.uniqueDatabase("bls_file")
            let start = try position()
            try client.run(LiveWorkload.sql(database: database))

            let (perTableRun, perTableDirectory) = try runToFiles("per-table", database: database, start: start)
            #expect(perTableRun.status == 0, "\(perTableRun.summary)")
            let perTable = try LiveFileSinkOutput(perTableDirectory, layout: .perTable)
            #expect(
                Set(perTable.segments.keys) == Set(LiveWorkload.tables.map { "\(database).\($0.name)" }),
                "streams: \(perTable.segments.keys.sorted())")
            #expect(
                perTable.segments.values.allSatisfy { $0.count == 1 },
                "rotation without a size limit reached: \(perTable.segments)")
            let records = nativeRecords(perTable, layout: .perTable, "per-table")
            #expect(!records.isEmpty, "no records: \(perTableRun.summary)")

            // Nothing missing, nothing extra: the keys of the offline parse of the same range.
            let reference = try parseReference(start, database: database)
            let missing = Set(reference.map(\.key)).subtracting(records.map(\.key))
            let extra = Set(records.map(\.key)).subtracting(reference.map(\.key))
            #expect(
                missing.isEmpty && extra.isEmpty && records.count == reference.count,
                "\(missing.count) missing (e.g. \(missing.sorted().prefix(3))), \(extra.count) extra (e.g. \(extra.sorted().prefix(3)))"
            )
            // Column names from the registry, in table order (t_alter changes shape mid-stream).
            for record in records where record.table != "t_alter" {
                guard let table = LiveWorkload.tables.first(where: { $0.name == record.table }) else { continue }
                for image in [record.before, record.after].compactMap({ $0 })
                where image.keys != table.columns.map(\.name) {
                    Issue.record("\(record.key) \(record.table): columns \(image.keys)")
                    break
                }
            }
            try expectReplayEqualsServer(records, database: database, "per-table")

            // --file-layout single: one file, every record in binlog order, the same bytes per record.
            let (singleRun, singleDirectory) = try runToFiles(
                "single", database: database, start: start, extra: ["--file-layout", "single"])
            #expect(singleRun.status == 0, "\(singleRun.summary)")
            let single = try LiveFileSinkOutput(singleDirectory, layout: .single)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: singleDirectory.path) == ["changes.jsonl"])
            expectNoProblems(single.problems, "single: files")
            let (singleRecords, problems) = single.records(single.lines)
            expectNoProblems(problems, "single: records")
            #expect(LiveFileSinkOutput.regressions(singleRecords) == 0, "single: records not in binlog order")
            #expect(singleRecords.map(\.key) == reference.map(\.key), "single: not the keys of parse, in its order")
            let perTableBytes = Dictionary(
                perTable.lines.map { (String(decoding: $0.bytes, as: UTF8.self), 1) }, uniquingKeysWith: +)
            let singleBytes = Dictionary(
                single.lines.map { (String(decoding: $0.bytes, as: UTF8.self), 1) }, uniquingKeysWith: +)
            #expect(singleBytes == perTableBytes, "the single file's lines differ from the per-table files' lines")
        }

        /// Columns whose Debezium value differs from the native one (docs/formats.md), with the server expression
        /// that computes the documented value (session time_zone +00:00), and how that text becomes JSON.
        static func debeziumColumns() -> [String: [(column: String, expression: String, json: (String) -> JSONValue)]] {
            func number(_ text: String) -> JSONValue { .number(text) }
            func invalid(_ column: String) -> String {
                "`\(column)` IS NULL OR MONTH(`\(column)`) = 0 OR DAYOFMONTH(`\(column)`) = 0"
            }
            var temporal: [(String, String, (String) -> JSONValue)] = [
                ("d", "IF(\(invalid("d")), NULL, DATEDIFF(`d`, '1970-01-01'))", number)
            ]
            for fsp in LiveWorkload.fsps {
                let dt = "dt\(fsp)"
                temporal.append(
                    (
                        dt,
                        "IF(\(invalid(dt)), NULL, TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', `\(dt)`) DIV \(fsp <= 3 ? 1000 : 1))",
                        number
                    ))
                let ts = "ts\(fsp)"
                let fraction = fsp == 0 ? "''" : "CONCAT('.', LEFT(DATE_FORMAT(`\(ts)`, '%f'), \(fsp)))"
                temporal.append(
                    (
                        ts,
                        "IF(`\(ts)` IS NULL OR `\(ts)` = 0, NULL, CONCAT(DATE_FORMAT(`\(ts)`, '%Y-%m-%dT%H:%i:%s'), \(fraction), 'Z'))",
                        { .string($0) }
                    ))
                let tm = "tm\(fsp)"
                temporal.append((tm, "CAST(ROUND(TIME_TO_SEC(`\(tm)`) * 1000000) AS SIGNED)", number))
            }
            var bits: [(String, String, (String) -> JSONValue)] = [
                ("b1", "`b1` + 0", { .bool($0 != "0") })
            ]
            for (column, width) in [("b7", 7), ("b8", 8), ("b17", 17), ("b33", 33), ("b64", 64)] {
                bits.append(
                    (
                        column, "CAST(`\(column)` + 0 AS CHAR)",
                        { text in
                            // base64 of ⌈n/8⌉ bytes, least significant first.
                            guard let value = UInt64(text) else { return .string("⟨server value \(text)⟩") }
                            let bytes = (0..<((width + 7) / 8)).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
                            return .string(Data(bytes).base64EncodedString())
                        }
                    ))
            }
            return ["t_temporal": temporal, "t_bit_year": bits]
        }

        @Test("debezium to files: envelopes, op c/u/d, the json run's changes, documented values from the server")
        func debeziumWorkload() throws {
            defer { removeScratch() }
            let database = LiveMariaDBTests.uniqueDatabase("bls_filedbz")
            let start = try position()
            try client.run(LiveWorkload.sql(database: database))
            let began = Date()

            let (jsonRun, jsonDirectory) = try runToFiles("json", database: database, start: start)
            #expect(jsonRun.status == 0, "\(jsonRun.summary)")
            let json = nativeRecords(
                try LiveFileSinkOutput(jsonDirectory, layout: .perTable), layout: .perTable, "json")
            let (debeziumRun, debeziumDirectory) = try runToFiles(
                "debezium", database: database, start: start, extra: ["--format", "debezium"])
            #expect(debeziumRun.status == 0, "\(debeziumRun.summary)")
            let output = try LiveFileSinkOutput(debeziumDirectory, layout: .perTable)
            expectNoProblems(output.problems, "debezium: files")
            #expect(Set(output.segments.keys) == Set(LiveWorkload.tables.map { "\(database).\($0.name)" }))

            // Every line: the envelope of docs/formats.md.
            let envelopeKeys = ["before", "after", "source", "op", "ts_ms"]
            let sourceKeys = [
                "version", "connector", "name", "ts_ms", "snapshot", "db", "table", "server_id", "gtid", "file", "pos",
                "row",
            ]
            let now = Date().timeIntervalSince1970 * 1000
            var problems: [String] = []
            var debezium: [BinlogRecord] = []
            for line in output.lines {
                guard let object = line.value.objectValue, let source = object["source"]?.objectValue else {
                    problems.append("\(line.segment):\(line.index + 1): not an envelope")
                    continue
                }
                var own: [String] = []
                if object.keys != envelopeKeys { own.append("keys \(object.keys)") }
                if source.keys != sourceKeys { own.append("source keys \(source.keys)") }
                if source["version"] != .string("binlog-sink") { own.append("source.version") }
                if source["connector"] != .string("mysql") { own.append("source.connector") }
                if source["snapshot"] != .string("false") { own.append("source.snapshot") }
                if source["name"]?.stringValue?.isEmpty != false { own.append("source.name") }
                if let ms = source["ts_ms"]?.integerValue {
                    if ms % 1000 != 0 { own.append("source.ts_ms \(ms) is not whole seconds") }
                } else {
                    own.append("source.ts_ms is not an integer")
                }
                if let ms = object["ts_ms"]?.integerValue.map(Double.init) {
                    if ms < began.timeIntervalSince1970 * 1000 - 60_000 || ms > now + 60_000 {
                        own.append("ts_ms \(ms) is not the time of encoding")
                    }
                } else {
                    own.append("ts_ms is not an integer")
                }
                do {
                    let record = try LiveFileSinkOutput.nativeRecord(debezium: line.value)
                    own += record.contractViolations().filter { !$0.contains("top-level keys") }
                    debezium.append(record)
                } catch {
                    own.append("\(error)")
                }
                problems += own.map { "\(line.segment):\(line.index + 1): \($0): \(line.value.abbreviated(300))" }
            }
            expectNoProblems(problems, "debezium envelope")
            debezium.sort(by: Self.binlogOrder)

            // The same changes as the json run: record by record (file:pos:row), same table, op, columns, key values.
            let tables = Dictionary(uniqueKeysWithValues: LiveWorkload.tables.map { ($0.name, $0) })
            func primaryKey(_ record: BinlogRecord) -> String {
                let image = record.op == .delete ? record.before : record.after
                let columns = tables[record.table].map {
                    $0.primaryKey.isEmpty ? $0.columns.map(\.name) : $0.primaryKey
                }
                return (columns ?? []).map { image?[$0]?.description ?? "⟨absent⟩" }.joined(separator: ",")
            }
            func change(_ record: BinlogRecord) -> String { "\(record.table)|\(primaryKey(record))|\(record.op)" }
            #expect(debezium.map(\.key) == json.map(\.key), "debezium: \(debezium.count) records, json \(json.count)")
            #expect(Set(debezium.map(change)) == Set(json.map(change)), "(table, primary key, op) differ")
            var mismatches: [String] = []
            for (ours, native) in zip(debezium, json) {
                if ours.tableKey != native.tableKey || ours.op != native.op || change(ours) != change(native) {
                    mismatches.append("\(native.key): debezium \(change(ours)), json \(change(native))")
                }
                if ours.before?.keys != native.before?.keys || ours.after?.keys != native.after?.keys {
                    mismatches.append(
                        "\(native.key): columns \(ours.before?.keys ?? [])/\(ours.after?.keys ?? []), json \(native.before?.keys ?? [])/\(native.after?.keys ?? [])"
                    )
                }
                if ours.gtid != native.gtid || ours.serverID != native.serverID || ours.ts != native.ts {
                    mismatches.append("\(native.key): source gtid/server_id/ts differ")
                }
            }
            expectNoProblems(mismatches, "debezium vs json")

            // Values: replayed, every table equals the json replay, except the columns Debezium represents
            // differently, which equal what the server computes per docs/formats.md.
            let alterKey = "\(database).t_alter"
            var jsonReplay = RecordReplayer(primaryKey: { $0 == alterKey ? ["id"] : nil })
            jsonReplay.apply(json)
            var debeziumReplay = RecordReplayer(primaryKey: { $0 == alterKey ? ["id"] : nil })
            debeziumReplay.apply(debezium)
            expectNoProblems(debeziumReplay.anomalies.map(\.description), "debezium replay")
            let special = Self.debeziumColumns()
            for table in LiveWorkload.tables {
                let key = "\(database).\(table.name)"
                let documented = special[table.name] ?? []
                let documentedNames = Set(documented.map(\.column))
                let byRow = table.primaryKey.isEmpty ? table.columns.map(\.name) : table.primaryKey
                func rowKey(_ row: JSONObject) -> String {
                    byRow.map { row[$0]?.description ?? "null" }.joined(separator: ",")
                }
                func strip(_ row: JSONObject) -> String {
                    JSONValue.object(JSONObject(row.entries.filter { !documentedNames.contains($0.key) })).description
                }
                let ours = debeziumReplay.rows(key).map(strip).sorted()
                let native = jsonReplay.rows(key).map(strip).sorted()
                #expect(ours.count == native.count, "\(table.name): \(ours.count) rows, json \(native.count)")
                let differing = zip(ours, native).filter { $0 != $1 }
                expectNoProblems(
                    differing.map { "debezium \($0.prefix(300)), json \($1.prefix(300))" },
                    "\(table.name): values unchanged from the native format")
                guard !documented.isEmpty else { continue }
                let serverRows = try client.selectText(
                    ["CAST(`id` AS CHAR)"] + documented.map(\.expression),
                    from: "`\(database)`.`\(table.name)` ORDER BY id", setup: "SET SESSION time_zone = '+00:00'")
                let replayed = Dictionary(
                    debeziumReplay.rows(key).map { (rowKey($0), $0) }, uniquingKeysWith: { first, _ in first })
                #expect(
                    replayed.count == serverRows.count,
                    "\(table.name): \(replayed.count) rows, server \(serverRows.count)")
                var wrong: [String] = []
                for row in serverRows {
                    let id = row[0] ?? "?"
                    guard let record = replayed[id] else {
                        wrong.append("row \(id) missing from the replay")
                        continue
                    }
                    for (offset, column) in documented.enumerated() {
                        let expected = row[offset + 1].map(column.json) ?? .null
                        let got = record[column.column] ?? .string("⟨absent⟩")
                        if got != expected || got.description != expected.description {
                            wrong.append("row \(id) \(column.column): debezium \(got), server says \(expected)")
                        }
                    }
                }
                expectNoProblems(wrong, "\(table.name): debezium values vs docs/formats.md")
            }
        }

        @Test("per-table layout with more tables than the process may open files: every table still gets its file")
        func moreTablesThanFileDescriptors() throws {
            defer { removeScratch() }
            // A schema with many tables (multi-tenant designs have thousands) against the usual soft limit of open
            // files (1024 under systemd and login shells): scaled down to 120 tables under `ulimit -n 64`.
            let database = LiveMariaDBTests.uniqueDatabase("bls_filefds")
            let tables = 120
            try client.run("CREATE DATABASE `\(database)`")
            let start = try position()
            var sql = ""
            for table in 0..<tables {
                sql += "CREATE TABLE `\(database)`.t\(table) (id INT PRIMARY KEY, v INT);\n"
                sql += "INSERT INTO `\(database)`.t\(table) VALUES (1, \(table)), (2, \(table));\n"
            }
            try client.run(sql)
            guard let executable = BinlogSinkCLI.executable else {
                throw BinlogSinkCLI.CLIError(message: "binlog-sink executable not found: set BINLOG_SINK_BIN")
            }
            let output = scratch.appendingPathComponent("fds")
            let arguments = [
                "run", "--source", source, "--start", "\(start.file):\(start.pos)", "--until", "now",
                "--state", scratch.appendingPathComponent("state-fds").path, "--sink", "file:\(output.path)",
                "--include", "\(database).*",
            ]
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n 64 && exec \"$0\" \"$@\"", executable.path] + arguments
            let stderr = scratch.appendingPathComponent("fds.stderr")
            FileManager.default.createFile(atPath: stderr.path, contents: nil)
            let handle = try FileHandle(forWritingTo: stderr)
            defer { try? handle.close() }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            let log = String(decoding: (try? Data(contentsOf: stderr)) ?? Data(), as: UTF8.self)
            #expect(process.terminationStatus == 0, "exit \(process.terminationStatus): \(log.suffix(1000))")

            let files = try LiveFileSinkOutput(output, layout: .perTable)
            expectNoProblems(files.problems, "files")
            #expect(files.segments.count == tables, "\(files.segments.count) of \(tables) tables have a file")
            var wrong: [String] = []
            for table in 0..<tables {
                let (records, problems) = files.records(files.streams["\(database).t\(table)"] ?? [])
                wrong += problems
                let ids = records.compactMap { $0.after?["id"]?.integerValue }
                if ids != [1, 2] { wrong.append("t\(table): ids \(ids)") }
            }
            expectNoProblems(wrong, "records per table")
        }

        @Test("SIGKILL at 10 random moments during a continuous workload, rotating segments: nothing lost, whole lines")
        func crashesDuringWorkload() throws {
            defer { removeScratch() }
            let database = LiveMariaDBTests.uniqueDatabase("bls_filecrash")
            try client.run(
                """
                CREATE DATABASE `\(database)`;
                CREATE TABLE `\(database)`.t (id INT PRIMARY KEY, v VARCHAR(200), n INT);
                CREATE TABLE `\(database)`.u (id INT PRIMARY KEY, note VARCHAR(100), k INT);
                """)
            let start = try position()
            let output = scratch.appendingPathComponent("crash")
            let state = scratch.appendingPathComponent("state-crash").path
            let arguments = [
                "run", "--source", source, "--start", "\(start.file):\(start.pos)", "--until", "never",
                "--state", state, "--sink", "file:\(output.path)", "--file-max-bytes", "200000",
                "--include", "\(database).*", "--checkpoint-interval", "0.1",
            ]

            // Small transactions over both tables, about 3 s.
            let db = database
            let workload = LiveLoopWorkload(client: client, pause: 5_000) { batch in
                let base = batch * 100
                var sql = "BEGIN;\nINSERT INTO `\(db)`.t VALUES "
                sql += (0..<10).map { "(\(base + $0), REPEAT('x', 150), \(batch))" }.joined(separator: ", ")
                sql += ";\nINSERT INTO `\(db)`.u VALUES "
                sql += (0..<3).map { "(\(base + $0), 'note \(batch)', \($0))" }.joined(separator: ", ")
                sql +=
                    ";\nUPDATE `\(db)`.t SET n = n + 1, v = CONCAT(v, 'y') WHERE id BETWEEN \(base) AND \(base + 2);\n"
                sql += "DELETE FROM `\(db)`.t WHERE id = \(base + 9);\n"
                sql += "UPDATE `\(db)`.u SET k = k - 10 WHERE id = \(base);\n"
                if batch >= 5 { sql += "DELETE FROM `\(db)`.u WHERE id = \(base - 499);\n" }
                sql += "COMMIT;\n"
                return sql
            }
            let began = Date()
            var generator = SystemRandomNumberGenerator()
            var kills = 0
            var earlyExits: [String] = []
            var logs: [String] = []
            var injected = 0
            for attempt in 0..<10 {
                let run = try LiveBackgroundRun(arguments)
                usleep(UInt32.random(in: LiveTiming.scaled(400_000...1_200_000), using: &generator))
                if run.process.isRunning {
                    run.stop(SIGKILL)
                    kills += 1
                } else {
                    earlyExits.append(run.summary)
                }
                logs.append(run.stderr)
                // A crash in the middle of a write leaves a torn last line (rare with small transactions, which
                // are written at checkpoints): make one by hand twice while the workload runs, as a killed write
                // of records after the checkpoint would. The next run that writes the table drops it.
                let open = output.appendingPathComponent("\(database).t.jsonl")
                if attempt == 3 || attempt == 7, let handle = try? FileHandle(forWritingTo: open) {
                    try handle.seekToEnd()
                    try handle.write(contentsOf: Data("{\"op\":\"insert\",\"db\":\"\(database)\",\"tab".utf8))
                    try handle.close()
                    injected += 1
                }
            }
            let remaining = 3 - Date().timeIntervalSince(began)
            if remaining > 0 { usleep(UInt32(remaining * 1_000_000)) }
            workload.stop()
            #expect(earlyExits.isEmpty, "runs that exited before the kill: \(earlyExits.prefix(2))")
            #expect(kills == 10, "only \(kills) kills")
            #expect(workload.failed == 0, "\(workload.failed) workload transactions failed")

            let last = arguments.map { $0 == "never" ? "now" : $0 }
            let final = try BinlogSinkCLI.run(last, timeout: 120)
            #expect(final.status == 0, "\(final.stderr.suffix(2000))")
            logs.append(final.stderr)
            // The runs resumed from checkpoints that moved on: the crashes hit a run that was delivering.
            let resumes = logs.compactMap { log in
                log.split(separator: "\n").first { $0.contains("resuming from the saved position") }.map(String.init)
            }
            let tornLines = logs.map { $0.components(separatedBy: "dropped a torn last line").count - 1 }
                .reduce(0, +)
            #expect(Set(resumes).count >= 2, "the checkpoint hardly moved: \(resumes)")
            #expect(injected == 0 || tornLines >= 1, "\(injected) torn lines made, none dropped")

            // Whole JSON lines everywhere, segments numbered 1…n, the size limit respected.
            let files = try LiveFileSinkOutput(output, layout: .perTable)
            expectNoProblems(files.problems, "files after the crashes")
            #expect(Set(files.segments.keys) == ["\(database).t", "\(database).u"], "\(files.segments.keys.sorted())")
            #expect(
                (files.segments["\(database).t"]?.count ?? 0) > 1, "no rotation: \(files.segments)")
            var tooSmall: [String] = []
            for names in files.segments.values {
                for name in names.dropLast() where (files.sizes[name] ?? 0) < 200_000 {
                    tooSmall.append("\(name): \(files.sizes[name] ?? 0) bytes")
                }
            }
            // A closed segment reached the limit, unless a crash cut it short (the open segment of a killed run is
            // renamed only by a later rotation, so every closed one reached 200000 bytes).
            #expect(tooSmall.isEmpty, "closed segments below --file-max-bytes: \(tooSmall)")

            // Every change of the offline parse of the same range, none other; each copy of a record the same line.
            let reference = try parseReference(start, database: database)
            #expect(reference.count > 500, "a small workload: \(reference.count) records")
            var delivered: [String: BinlogRecord] = [:]
            var copies: [String: Int] = [:]
            var lineOf: [String: Data] = [:]
            var differentCopies: [String] = []
            var regressions = 0
            for (stream, lines) in files.streams {
                let (records, problems) = files.records(lines)
                expectNoProblems(problems, "\(stream)")
                regressions += LiveFileSinkOutput.regressions(records)
                for (record, line) in zip(records, lines) {
                    copies[record.key, default: 0] += 1
                    if let first = lineOf[record.key] {
                        if first != line.bytes { differentCopies.append(record.key) }
                    } else {
                        lineOf[record.key] = line.bytes
                        delivered[record.key] = record
                    }
                }
            }
            let expectedKeys = Set(reference.map(\.key))
            let missing = expectedKeys.subtracting(delivered.keys)
            let unexpected = Set(delivered.keys).subtracting(expectedKeys)
            #expect(
                missing.isEmpty && unexpected.isEmpty,
                "\(missing.count) missing (e.g. \(missing.sorted().prefix(3))), \(unexpected.count) unexpected (e.g. \(unexpected.sorted().prefix(3)))"
            )
            #expect(differentCopies.isEmpty, "copies of a record that differ: \(differentCopies.prefix(3))")
            let duplicates = copies.values.reduce(0) { $0 + $1 - 1 }
            // A restart delivers again only what followed its checkpoint: in each stream the order goes back at
            // most once per restart (11 runs after the first).
            #expect(regressions <= 2 * 11, "\(regressions) places where a stream goes back in binlog order")
            print(
                "LiveFileSinkTests.crashesDuringWorkload: \(kills) kills, \(reference.count) records, \(duplicates) duplicates, \(regressions) restarts visible in the streams, \(tornLines) torn lines dropped, \(Set(resumes).count) distinct resume positions of \(resumes.count), \(workload.committed) transactions"
            )

            let ordered = delivered.values.sorted(by: Self.binlogOrder)
            var replayer = RecordReplayer(primaryKey: { _ in ["id"] })
            replayer.apply(ordered)
            expectNoProblems(replayer.anomalies.map(\.description), "replay")
            for (table, columns) in [("t", ["id", "v", "n"]), ("u", ["id", "note", "k"])] {
                let server = try client.selectText(columns, from: "`\(database)`.`\(table)` ORDER BY id")
                let replayed = Self.textRows(replayer.rows("\(database).\(table)"), columns)
                #expect(
                    replayed.count == server.count, "\(table): replay \(replayed.count) rows, server \(server.count)")
                let differing = zip(replayed, server).filter { $0 != $1 }
                #expect(
                    differing.isEmpty && replayed.count == server.count,
                    "\(table): \(differing.count) rows differ, e.g. \(differing.prefix(2))")
            }
        }
    }
}
