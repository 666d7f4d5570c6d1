import CDCCore
import Testing

@testable import KafkaSink

// The Kafka sink against a real Kafka-protocol broker: the Tansu broker scripts/test starts on
// 127.0.0.1:$BINLOG_SINK_TEST_KAFKA_PORT. Records are produced, flushed, and read back with kcat.

@Suite(
    "Kafka sink: Tansu broker",
    .enabled(
        if: KafkaTestEnvironment.tansuPort != nil,
        "needs a Kafka broker: BINLOG_SINK_TEST_KAFKA_PORT (scripts/test starts Tansu)")
)
struct KafkaSinkTests {
    let brokers: String

    init() throws {
        let port = try #require(KafkaTestEnvironment.tansuPort)
        try #require(
            KafkaTestEnvironment.runtimeTalksToTansu,
            """
            librdkafka \(KafkaSink.librdkafkaVersion) cannot talk to Tansu: run the tests with \
            LD_LIBRARY_PATH=$(tansu_rdkafka_libdir DIR) (scripts/lib/tansu.sh), as scripts/test does
            """)
        brokers = "127.0.0.1:\(port)"
    }

    /// Several tables, every operation, keyed and unkeyed tables, transactions with and without a GTID, odd names;
    /// in three batches with a flush in between.
    @Test func recordsArriveWithKeysHeadersTopicsAndTombstones() throws {
        let run = KafkaTestEnvironment.runID()
        func order(_ id: Int, _ op: RecordRenderer.Operation, _ note: String, at position: UInt64, row: Int = 0)
            -> TestRecord
        {
            TestRecord(
                database: "shop", table: "orders", operation: op,
                value: #"{"op":"\#(op)","db":"shop","table":"orders","id":\#(id),"note":"\#(note)"}"#,
                key: #"{"id":\#(id)}"#, position: position, row: row, gtid: "0-1-\(position)")
        }
        func item(_ sku: String, _ op: RecordRenderer.Operation, at position: UInt64) -> TestRecord {
            TestRecord(
                database: "shop", table: "order$items", primaryKey: ["sku"], operation: op,
                value: #"{"op":"\#(op)","sku":"\#(sku)"}"#, key: #"{"sku":"\#(sku)"}"#, file: "mysql-bin.000002",
                position: position)
        }
        func log(_ line: Int, at position: UInt64) -> TestRecord {
            // No primary key: the key is the whole row; no GTID (a server without GTIDs).
            TestRecord(
                database: "misc", table: "log", primaryKey: [], operation: .insert,
                value: #"{"op":"insert","line":\#(line)}"#, key: #"{"line":\#(line),"text":"x"}"#, position: position,
                row: line)
        }
        let batches: [[TestRecord]] = [
            [
                order(1, .insert, "a", at: 100), order(2, .insert, "b", at: 100, row: 1), item("s1", .insert, at: 4),
                log(0, at: 300), log(1, at: 300),
            ],
            [
                order(1, .update, "a2", at: 400), order(2, .delete, "b", at: 500), item("s1", .update, at: 8),
                order(1, .update, "a3", at: 600), item("s2", .insert, at: 12),
            ],
            [order(1, .delete, "a3", at: 700), order(3, .read, "c", at: 800), item("s1", .delete, at: 16)],
        ]
        let logLines = LogLines()
        let configuration = try KafkaSinkConfiguration(
            url: "kafka://\(brokers)", topicTemplate: "\(run).{db}.{table}", tombstones: true)
        let sink = try KafkaSink(configuration, log: logLines.sink)
        for batch in batches {
            try sink.write(TestRecord.batch(batch))
            try sink.flush()
            #expect(sink.outstandingMessages == 0)
        }
        try sink.close()

        // What Kafka should hold, per topic, in production order.
        var expected: [String: [(key: String, value: String?, headers: [String: String])]] = [:]
        for record in batches.joined() {
            let topic = "\(run).\(record.database).\(record.table == "order$items" ? "order_items" : record.table)"
            var headers = [
                "op": String(describing: record.operation), "key": record.dedupKey,
                "position": "\(record.file):\(record.position)",
            ]
            if let gtid = record.gtid { headers["gtid"] = gtid }
            expected[topic, default: []].append((record.key, record.value, headers))
            if record.operation == .delete {
                headers["op"] = "tombstone"
                expected[topic, default: []].append((record.key, nil, headers))
            }
        }
        #expect(sink.deliveredMessages == expected.values.map(\.count).reduce(0, +))
        #expect(Set(expected.keys) == ["\(run).shop.orders", "\(run).shop.order_items", "\(run).misc.log"])

        for (topic, messages) in expected {
            let consumed = try Kcat.consume(brokers: brokers, topic: topic)
            #expect(consumed.count == messages.count, "topic \(topic)")
            // Per key: one partition, and the production order.
            for key in Set(messages.map(\.key)) {
                let want = messages.filter { $0.key == key }
                let got = consumed.filter { $0.key == key }
                #expect(Set(got.map(\.partition)).count == 1, "topic \(topic) key \(key) spans partitions")
                #expect(got.map(\.value) == want.map(\.value), "topic \(topic) key \(key)")
                #expect(got.map(\.headers) == want.map(\.headers), "topic \(topic) key \(key)")
            }
        }
    }

    /// Many small records in one batch: write returns before delivery, flush waits for all of them.
    @Test func flushWaitsForEveryMessage() throws {
        let run = KafkaTestEnvironment.runID()
        let records = (0..<2000).map { index in
            TestRecord(
                database: "load", table: "rows", operation: .insert, value: #"{"n":\#(index)}"#,
                key: #"{"id":\#(index % 50)}"#, position: UInt64(1000 + index))
        }
        let configuration = try KafkaSinkConfiguration(url: "kafka://\(brokers)", topicTemplate: "\(run).{table}")
        let sink = try KafkaSink(configuration, log: { _ in })
        try sink.write(TestRecord.batch(records))
        try sink.flush()
        #expect(sink.outstandingMessages == 0)
        #expect(sink.deliveredMessages == records.count)
        try sink.close()
        let consumed = try Kcat.consume(brokers: brokers, topic: "\(run).rows")
        #expect(consumed.count == records.count)
        #expect(Set(consumed.compactMap(\.value)) == Set(records.map(\.value)))
        for key in 0..<50 {
            let values = consumed.filter { $0.key == #"{"id":\#(key)}"# }.compactMap(\.value)
            let wanted = records.filter { $0.key == #"{"id":\#(key)}"# }.map(\.value)
            #expect(values == wanted, "key \(key) out of order")
        }
    }
}
