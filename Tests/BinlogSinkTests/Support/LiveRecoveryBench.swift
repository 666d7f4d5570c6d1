import Foundation
import Testing

/// A MariaDB of the test's own (LiveThrowawayServer, $BINLOG_SINK_TEST_MYSQL_PORT2) with the table of
/// LiveRestartTests, batches of its workload written on demand, and the check of a file sink's output against it:
/// every change of the offline `parse` delivered, and the de-duplicated records replayed equal to SELECT. For the
/// faults that end a run (a purged binlog, a full or read-only disk) and the recovery after them.
final class LiveRecoveryBench {
    let server: LiveThrowawayServer
    let database = "bls_recovery"
    let scratch: URL
    var batch = 0

    init() throws {
        let port = try #require(LiveThrowawayServer.port)
        server = try LiveThrowawayServer(port: port)
        scratch = URL(fileURLWithPath: "/tmp/bls-chaos-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try server.client.run(
            "CREATE DATABASE `\(database)` CHARACTER SET utf8mb4;\n"
                + LiveServer.LiveRestartTests.table.create(in: database))
    }

    deinit {
        server.remove()
        try? FileManager.default.removeItem(at: scratch)
    }

    var source: String { "mysql://root@127.0.0.1:\(server.port)" }
    var client: MariaDBClient { server.client }

    func write(batches: Int) throws {
        var sql = ""
        for _ in 0..<batches {
            sql += LiveServer.LiveRestartTests.batchSQL(database: database, batch: batch) + "\n"
            batch += 1
        }
        try client.run(sql)
    }

    /// The file sink in `output` de-duplicated and replayed, against SELECT; and the records of `parse` since
    /// `start` that it lacks (`start` nil: no such check, e.g. after a re-snapshot).
    func problems(output: URL, since start: LiveBinlogPoint?) throws -> (problems: [String], records: Int) {
        let files = try LiveFileSinkOutput(output, layout: .perTable)
        var problems = files.problems
        var copies: [String: BinlogRecord] = [:]
        var order: [BinlogRecord] = []
        for lines in files.streams.values {
            let (records, bad) = files.records(lines)
            problems += bad
            for record in records where copies[record.key] == nil {
                copies[record.key] = record
                order.append(record)
            }
        }
        if let start {
            let binlogs = try client.closedBinlogs(since: start.file)
            let parsed = try BinlogSinkCLI.run(
                ["parse"] + binlogs + ["--start-position", "\(start.pos)", "--include", "\(database).*"])
            if parsed.status != 0 { problems.append("parse: \(parsed.stderr.prefix(500))") }
            let expected = try BinlogRecord.parseAll(parsed.stdout)
            let lost = Set(expected.map(\.key)).subtracting(copies.keys)
            if !lost.isEmpty { problems.append("\(lost.count) changes lost, e.g. \(lost.sorted().prefix(3))") }
        }
        // Snapshot reads first (they are at the snapshot's position), then the stream in binlog order.
        let sorted = order.sorted {
            ($0.op == .read ? 0 : 1, $0.file, $0.pos, $0.row) < ($1.op == .read ? 0 : 1, $1.file, $1.pos, $1.row)
        }
        var replayer = RecordReplayer(primaryKey: { _ in ["id"] })
        replayer.apply(sorted)
        problems += replayer.anomalies.map(\.description)
        let serverRows = try client.select(
            LiveServer.LiveRestartTests.table.columns.map(LiveComparison.serverExpression), from: "`\(database)`.t")
        problems += LiveComparison.compare(
            LiveServer.LiveRestartTests.table, replayed: replayer.rows("\(database).t"), serverRows: serverRows)
        return (problems, copies.count)
    }

    /// Every file under `directory` with its bytes.
    static func contents(_ directory: URL) -> [String: Data] {
        var result: [String: Data] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            result[name] = try? Data(contentsOf: directory.appendingPathComponent(name))
        }
        return result
    }
}
