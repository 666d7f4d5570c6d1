import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `run --kafka-transactions` into Tansu end to end, with SIGKILLs: every committed source row change arrives, the
// replay equals SELECT, and the checkpoint topic's last message names the last record of the range.
//
// Tansu supports Kafka transactions but does not hide aborted ones from read_committed consumers, so the messages
// of the Kafka transactions the kills left open show up here too: duplicates are counted, not checked (the
// abort/restart path is checked on librdkafka's mock cluster, KafkaSinkTransactionTests).

extension LiveServer.LiveKafkaTests {
    @Test(
        "exactly-once mode: SIGKILL at 5 random moments; every change arrives, replay equals SELECT, checkpoint topic at the end"
    )
    func transactionsCrashSafety() throws {
        let database = LiveServer.LiveMariaDBTests.uniqueDatabase("bls_ktxn")
        try createLoopTables(database)
        let start = try LiveBinlogPoint.current(client)
        let prefix = LiveKafka.uniquePrefix("txn")
        let checkpointPrefix = LiveKafka.uniquePrefix("txnckpt")
        let checkpointTopic = checkpointPrefix + "checkpoints"
        let transactionalID = "bls-test-\(UUID().uuidString.prefix(8))"
        let state = scratch.appendingPathComponent("state-txn").path
        let arguments = [
            "run", "--source", source, "--start", start.description, "--state", state, "--sink", sink,
            "--topic", prefix + "{db}.{table}", "--include", "\(database).*", "--checkpoint-interval", "0.2",
            "--kafka-transactions", "--kafka-property", "transactional.id=\(transactionalID)",
            "--kafka-checkpoint-topic", checkpointTopic,
        ]
        let loop = LiveLoopWorkload(client: client, pause: 10_000, sql: Self.loopSQL(database))
        let (kills, logs) = try killRepeatedly(arguments, times: 5, pause: 1_500_000...3_500_000, logName: "txn")
        loop.stop()
        #expect(kills == 5, "the run exited by itself before a kill: \(logs.filter { !$0.isEmpty }.prefix(2))")
        #expect(loop.committed > 20, "the workload committed only \(loop.committed) transactions")
        let resumedFromKafka = logs.filter { $0.contains("the last committed checkpoint of \(transactionalID)") }
        #expect(!resumedFromKafka.isEmpty, "no restart read a committed checkpoint: \(logs.suffix(1))")

        let last = try BinlogSinkCLI.run(arguments + ["--until", "now"], timeout: 120)
        #expect(last.status == 0, "\(last.stderr.suffix(2000))")

        let expected = try offlineRecords(since: start, database: database)
        let messages = try LiveKafka.consume(prefix: prefix, expect: expected.count, timeout: 15)
        let (delivered, copies) = try Self.deduplicated(messages)
        let missing = Set(expected.map(\.key)).subtracting(delivered.map(\.key))
        let unexpected = Set(delivered.map(\.key)).subtracting(expected.map(\.key))
        #expect(
            missing.isEmpty && unexpected.isEmpty,
            "\(missing.count) missing (e.g. \(missing.sorted().prefix(3))), \(unexpected.count) unexpected (e.g. \(unexpected.sorted().prefix(3)))"
        )
        expectNoProblems(try loopTablesProblems(delivered, database: database), "replay vs server")

        // The last checkpoint (the final run committed it at shutdown) names the range's last record.
        let checkpoints = try LiveKafka.consume(prefix: checkpointPrefix, expect: 1, timeout: 15)
        let ours = checkpoints.filter { $0.key.map { String(decoding: $0, as: UTF8.self) } == transactionalID }
        let lastCheckpoint = ours.max { $0.offset < $1.offset }
        let lastRecord = expected.last.map { "\($0.file):\($0.pos):\($0.row)" }
        let checkpointRecord = lastCheckpoint.map {
            "\($0.headers["file"] ?? "?"):\($0.headers["position"] ?? "?"):\($0.headers["row"] ?? "?")"
        }
        #expect(
            lastRecord != nil && checkpointRecord == lastRecord, "checkpoint \(String(describing: checkpointRecord))")
        print(
            "LiveKafkaTests.transactionsCrashSafety: \(loop.committed) transactions, \(expected.count) records, "
                + "\(kills) kills (\(resumedFromKafka.count) restarts read a committed checkpoint), \(copies) "
                + "messages (\(copies - delivered.count) copies, aborted ones included), \(ours.count) checkpoints")
    }
}
