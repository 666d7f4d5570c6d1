import Foundation
import Testing

// The schema registry of `binlog-sink run`, end to end against the throwaway MariaDB scripts/test starts
// (127.0.0.1:$BINLOG_SINK_TEST_MYSQL_PORT, root without a password).
//
// - Every column type (LiveWorkload) plus DDL mid-stream (LiveDDLWorkload: ADD COLUMN at the end / FIRST / AFTER,
//   DROP, MODIFY to BIGINT / a longer VARCHAR / another character set, CHANGE, RENAME COLUMN, several changes in one
//   ALTER, primary key changes, RENAME TABLE, CREATE TABLE … LIKE, TRUNCATE, transactions and a rollback) and a
//   table that exists before the start position (only information_schema knows it): `run --until now` from the
//   position before the workload must give real column names (never `@N`), each row image with exactly the table's
//   columns at its position, and records that replay to the server's SELECT at the end of every stage. Once with
//   binlog_row_metadata at the server's default (no names in the binlog) and once at FULL.
// - Catch-up after an ALTER of a table that exists before the start position, without a saved state (`run --start
//   FILE:POS --until FILE:POS` over exactly DML, ALTER, DML; the --state variant is LiveStateTests): information_schema
//   shows the table's current (post-ALTER) shape, yet the rows written before the ALTER must come out with the old
//   column set. Two ALTERs: one that leaves the table map identical (an INT dropped, another INT added in its place:
//   only names tell the versions apart) and one that changes the column types.
// - A table outside --include whose schema history the registry cannot follow must not stop the run.
//
// Values are never written into the test: each stage's expected content is what the server returns for SELECT
// after the stage (LiveStagedRun, compared per column kind as LiveComparison describes).

extension LiveServer {
    @Suite(
        "Live registry: run names and decodes every row with the table's schema at its position",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil,
            "needs a live server: BINLOG_SINK_TEST_MYSQL_SOCKET and _PORT (scripts/test starts one)")
    )
    struct LiveRegistryTests {
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

        /// `binlog-sink run --source … --start START --until now ARGS…`.
        func runUntilNow(from start: LiveBinlogPoint, _ extra: [String]) throws -> ParseRun {
            let arguments = ["run", "--source", source, "--start", start.description, "--until", "now"] + extra
            return ParseRun(arguments: arguments, result: try BinlogSinkCLI.run(arguments, timeout: 120))
        }

        /// Runs `body` with binlog_row_metadata=FULL when `full`, else checks that the server is not at FULL (the
        /// default writes no column names) and runs it as is.
        func withRowMetadata<T>(full: Bool, _ body: () throws -> T) throws -> T {
            if full { return try LiveMariaDBTests().withFullRowMetadata(body) }
            let current = try client.scalar("SELECT @@global.binlog_row_metadata")
            try #require(current != "FULL", "binlog_row_metadata is FULL on the test server; the default is wanted")
            return try body()
        }

        /// Row images with ordinal (`@N`) names: the registry did not name them.
        static func ordinalNames(_ records: [BinlogRecord]) -> [String] {
            records.compactMap { record in
                let images = [record.before, record.after].compactMap { $0 }
                guard images.contains(where: { $0.keys.contains { $0.hasPrefix("@") } }) else { return nil }
                return "\(record.key) \(record.db).\(record.table): ordinal column names in \(record.description)"
            }
        }

        /// LiveWorkload's tables keep their columns, except t_alter: (id, a, note) until its ALTERs, (id, a, extra)
        /// after them.
        static func workloadColumnProblems(_ records: [BinlogRecord]) -> [String] {
            let tables = Dictionary(uniqueKeysWithValues: LiveWorkload.tables.map { ($0.name, $0) })
            var alterShapeChanged = false
            var problems: [String] = []
            for record in records {
                guard let table = tables[record.table] else {
                    problems.append("\(record.key): unexpected table \(record.table)")
                    continue
                }
                for image in [record.before, record.after].compactMap({ $0 }) {
                    if table.name == "t_alter" {
                        if image.keys == ["id", "a", "note"], !alterShapeChanged { continue }
                        if image.keys == ["id", "a", "extra"] {
                            alterShapeChanged = true
                            continue
                        }
                        problems.append(
                            "\(record.key) t_alter: columns \(image.keys), expected [id, a, note] before the ALTERs "
                                + "and [id, a, extra] after them")
                    } else if image.keys != table.columns.map(\.name) {
                        problems.append(
                            "\(record.key) \(table.name): columns \(image.keys), the table has \(table.columns.map(\.name))"
                        )
                    }
                }
            }
            return problems
        }

        /// Every column type and the DDL stages, `run --until now` from before the workload, checked stage by stage.
        func everyTypeAndDDL(fullMetadata: Bool) throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_reg")
            let ddlDatabase = "\(database)_ddl"
            // Exists before the start position: the registry can only learn it from information_schema.
            try client.run(
                "CREATE DATABASE `\(ddlDatabase)` CHARACTER SET utf8mb4;\n"
                    + LiveDDLWorkload.preexisting.create(in: ddlDatabase))
            let start = try LiveBinlogPoint.current(client)
            let staged = try withRowMetadata(full: fullMetadata) { () throws -> LiveStagedRun in
                try client.run(LiveWorkload.sql(database: database))
                return try LiveStagedRun.run(
                    LiveDDLWorkload.stages(database: ddlDatabase), database: ddlDatabase, client: client)
            }
            let run = try runUntilNow(from: start, ["--include", "\(database).*", "--include", "\(ddlDatabase).*"])
            #expect(run.status == 0, "\(run.summary)")
            #expect(!run.stderr.contains("warning"), "every DDL of the workload is a common form: \(run.stderr)")
            let records = try run.records()
            #expect(!records.isEmpty, "no records: \(run.summary)")

            expectNoProblems(Self.ordinalNames(records), "column names")
            let workloadRecords = records.filter { $0.db == database }
            expectNoProblems(Self.workloadColumnProblems(workloadRecords), "every-type tables: columns")
            expectNoProblems(staged.problems(records, from: start), "DDL tables, stage by stage")

            let alterKey = "\(database).t_alter"
            var replayer = RecordReplayer(primaryKey: { $0 == alterKey ? ["id"] : nil })
            replayer.apply(workloadRecords)
            expectNoProblems(replayer.anomalies.map(\.description), "replaying the every-type tables")
            for table in LiveWorkload.tables {
                let serverRows = try client.select(
                    table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.`\(table.name)`",
                    setup: "SET SESSION time_zone = '+00:00'")
                let differences = LiveComparison.compare(
                    table, replayed: replayer.rows("\(database).\(table.name)"), serverRows: serverRows)
                expectNoProblems(differences, "\(table.name): replay vs server")
            }
        }

        @Test(
            "default binlog_row_metadata: every type and DDL mid-stream, names from the registry, replay equals SELECT")
        func defaultRowMetadata() throws {
            try everyTypeAndDDL(fullMetadata: false)
        }

        @Test("binlog_row_metadata=FULL: every type and DDL mid-stream, replay equals SELECT")
        func fullRowMetadata() throws {
            try everyTypeAndDDL(fullMetadata: true)
        }

        /// A table created (empty) before the start position; DML, an ALTER that adds a column and drops another,
        /// more DML; then `run --start START --until END` over exactly that span.
        func catchUpAfterAlter(_ table: LiveTable, fullMetadata: Bool) throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_catchup")
            try client.run("CREATE DATABASE `\(database)` CHARACTER SET utf8mb4;\n" + table.create(in: database))
            let start = try LiveBinlogPoint.current(client)
            let staged = try withRowMetadata(full: fullMetadata) {
                try LiveStagedRun.run(LiveDDLWorkload.catchUpStages(table), database: database, client: client)
            }
            let end = try #require(staged.stages.last?.end)
            let arguments = [
                "run", "--source", source, "--start", start.description, "--until", end.description,
                "--include", "\(database).\(table.name)",
            ]
            let run = ParseRun(arguments: arguments, result: try BinlogSinkCLI.run(arguments, timeout: 120))
            guard fullMetadata else {
                // No column names in the binlog and no saved history: information_schema shows the table after the
                // ALTER, so the rows before it cannot be named. A clear error, never rows with wrong names
                // (LiveStateTests covers the same catch-up with a --state that saw the table before the ALTER).
                #expect(run.status != 0, "\(table.name): \(run.summary)")
                #expect(
                    run.stderr.contains("cannot know the columns of \(database).\(table.name)"),
                    "\(table.name): \(run.stderr)")
                #expect(try run.records().isEmpty, "\(table.name): records with guessed names: \(run.summary)")
                return
            }
            #expect(run.status == 0, "\(table.name): \(run.summary)")
            expectNoProblems(
                staged.problems(try run.records(), from: start),
                "\(table.name): catching up across its ALTER (old columns before it, new after)")
        }

        @Test(
            "catch-up after an ALTER that keeps the column types: old names before it, new after (FULL); a clear error without names",
            arguments: [false, true])
        func catchUpSameTypes(fullMetadata: Bool) throws {
            try catchUpAfterAlter(LiveDDLWorkload.sameTypesBefore, fullMetadata: fullMetadata)
        }

        @Test(
            "catch-up after an ALTER that changes the column types: old columns, then new (FULL); a clear error without names",
            arguments: [false, true])
        func catchUpOtherTypes(fullMetadata: Bool) throws {
            try catchUpAfterAlter(LiveDDLWorkload.otherTypesBefore, fullMetadata: fullMetadata)
        }

        @Test("a table outside --include never stops the run, whatever its schema history")
        func excludedTableIgnored() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_exclude")
            let keep = LiveTable(
                name: "t_keep",
                columns: [
                    LiveColumn(name: "id", type: "INT NOT NULL", kind: .integer),
                    LiveColumn(name: "v", type: "VARCHAR(20)", kind: .text),
                ], primaryKey: ["id"])
            try client.run(
                "CREATE DATABASE `\(database)` CHARACTER SET utf8mb4;\n"
                    + LiveDDLWorkload.otherTypesBefore.create(in: database) + ";\n" + keep.create(in: database))
            let start = try LiveBinlogPoint.current(client)
            // t_other is caught up across its ALTER (which the registry may not manage); t_keep is what is wanted.
            let stages = LiveDDLWorkload.catchUpStages(LiveDDLWorkload.otherTypesBefore).enumerated().map {
                index, stage in
                var stage = stage
                stage.sql += ";\nINSERT INTO t_keep VALUES (\(index), 'stage \(index)')"
                stage.tables.append(keep)
                return stage
            }
            let staged = try LiveStagedRun.run(stages, database: database, client: client)
            let run = try runUntilNow(from: start, ["--include", "\(database).t_keep"])
            #expect(run.status == 0, "\(run.summary)")
            expectNoProblems(staged.problems(try run.records(), from: start, only: ["t_keep"]), "t_keep")
        }
    }
}
