import Foundation
import Testing

// `run --config FILE` against the throwaway MariaDB scripts/test starts: a connector file (source, tables with a
// masked and an excluded column, the file sink with its layout, state, ${VAR}s) gives byte for byte the output of
// the same run given as flags, and a flag on the command line overrides the file.

extension LiveServer {
    @Suite(
        "Live connector file: run --config vs the same flags",
        .serialized,
        .enabled(
            if: MariaDBClient.fromEnvironment != nil && liveRunPort != nil,
            "needs a live server: BINLOG_SINK_TEST_MYSQL_SOCKET and _PORT (scripts/test starts one)")
    )
    final class LiveConfigFileTests {
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
                "bls-liveconfig-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        }

        deinit {
            if ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_KEEP"] != "1" {
                try? FileManager.default.removeItem(at: scratch)
            }
        }

        /// Every file in `directory` by name, with its bytes.
        func contents(_ directory: URL) throws -> [String: Data] {
            var result: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
                result[name] = try Data(contentsOf: directory.appendingPathComponent(name))
            }
            return result
        }

        @Test("run --config into the file sink writes what the same flags write; a command-line flag overrides")
        func sameAsFlags() throws {
            let database = LiveMariaDBTests.uniqueDatabase("bls_config")
            guard let row = try client.lines("SHOW MASTER STATUS").first, row.count >= 2 else {
                throw MariaDBClient.Failure(message: "SHOW MASTER STATUS returned nothing")
            }
            let start = "\(row[0]):\(row[1])"
            try client.run(
                """
                CREATE DATABASE `\(database)`;
                CREATE TABLE `\(database)`.customers (id INT PRIMARY KEY, email VARCHAR(64), secret VARCHAR(16));
                CREATE TABLE `\(database)`.orders (id INT PRIMARY KEY, customer INT, total DECIMAL(10,2));
                CREATE TABLE `\(database)`.skipped (id INT PRIMARY KEY);
                INSERT INTO `\(database)`.customers VALUES (1, 'a@example.com', 's1'), (2, 'b@example.com', 's2');
                INSERT INTO `\(database)`.orders VALUES (10, 1, 9.99), (11, 2, 100.50);
                INSERT INTO `\(database)`.skipped VALUES (1);
                UPDATE `\(database)`.customers SET email = 'c@example.com' WHERE id = 2;
                DELETE FROM `\(database)`.orders WHERE id = 10;
                """)
            let flagsOut = scratch.appendingPathComponent("flags")
            let flags = try BinlogSinkCLI.run(
                [
                    "run", "--source", "mysql://root@127.0.0.1:\(port)", "--server-id", "4711", "--start", start,
                    "--until", "now", "--include", "\(database).customers", "--include", "\(database).orders",
                    "--mask-column", "\(database).customers.email", "--exclude-column", "\(database).*.secret",
                    "--sink", "file:\(flagsOut.path)", "--file-layout", "single", "--state",
                    scratch.appendingPathComponent("state-flags").path, "--checkpoint-interval", "0.5",
                ], timeout: 120)
            #expect(flags.status == 0, "\(flags.stderr)")

            let config = scratch.appendingPathComponent("connector.yaml")
            try Data(
                """
                # the same run as a connector file
                source:
                  url: mysql://root@127.0.0.1:${TEST_PORT}
                  server_id: 4711
                  start: ${TEST_START}
                  until: now
                tables:
                  include: ["${TEST_DB}.customers", "${TEST_DB}.orders"]
                  mask_columns: ["${TEST_DB}.customers.email"]
                  exclude_columns: ["${TEST_DB}.*.secret"]
                sink:
                  url: file:${TEST_OUT}
                  file:
                    layout: single
                state: ${TEST_STATE}
                checkpoint_interval: 0.5
                """.utf8
            ).write(to: config)
            let fileOut = scratch.appendingPathComponent("file")
            var environment = [
                "TEST_PORT": port, "TEST_START": start, "TEST_DB": database, "TEST_OUT": fileOut.path,
                "TEST_STATE": scratch.appendingPathComponent("state-file").path,
            ]
            let validated = try BinlogSinkCLI.run(
                ["validate", "--config", config.path], timeout: 60, environment: environment)
            #expect(validated.status == 0, "\(validated.stderr)")
            let viaFile = try BinlogSinkCLI.run(
                ["run", "--config", config.path], timeout: 120, environment: environment)
            #expect(viaFile.status == 0, "\(viaFile.stderr)")

            let expected = try contents(flagsOut)
            let got = try contents(fileOut)
            #expect(expected.keys.sorted() == ["changes.jsonl"])
            #expect(got.keys.sorted() == expected.keys.sorted())
            let lines = expected["changes.jsonl"].map { String(decoding: $0, as: UTF8.self) } ?? ""
            #expect(lines.split(separator: "\n").count == 6, "2+2 inserts, 1 update, 1 delete: \(lines)")
            #expect(!lines.contains("example.com") && !lines.contains("\"secret\"") && !lines.contains("skipped"))
            #expect(got == expected, "run --config and the same flags wrote different records")

            // --include on the command line replaces the file's list; --file-layout replaces its layout.
            let overrideOut = scratch.appendingPathComponent("override")
            environment["TEST_OUT"] = overrideOut.path
            environment["TEST_STATE"] = scratch.appendingPathComponent("state-override").path
            let overridden = try BinlogSinkCLI.run(
                ["run", "--config", config.path, "--include", "\(database).orders", "--file-layout", "per-table"],
                timeout: 120, environment: environment)
            #expect(overridden.status == 0, "\(overridden.stderr)")
            let perTable = try contents(overrideOut)
            #expect(perTable.keys.sorted() == ["\(database).orders.jsonl"], "\(perTable.keys.sorted())")
            let orders = perTable["\(database).orders.jsonl"].map { String(decoding: $0, as: UTF8.self) } ?? ""
            #expect(orders.split(separator: "\n").count == 3)
        }
    }
}
