import CDCCore
import CKafka
import Foundation
import Testing

@testable import KafkaSink

// The Kafka sink under faults, on librdkafka's mock cluster (3 brokers on 127.0.0.1 inside the test process, real
// Kafka protocol over TCP): all brokers down mid-stream, and a permanent error on Produce.

@Suite("Kafka sink: faults (librdkafka mock cluster)", .serialized)
struct KafkaSinkFaultTests {
    /// Quick reconnects so that an outage of a few seconds ends a few hundred milliseconds after the brokers return.
    static let fastReconnect = ["reconnect.backoff.ms=100", "reconnect.backoff.max.ms=500"]

    static func records(_ range: Range<Int>, table: String = "orders") -> [TestRecord] {
        range.map { index in
            TestRecord(
                database: "shop", table: table, operation: .insert, value: #"{"n":\#(index)}"#,
                key: #"{"id":\#(index % 7)}"#, position: UInt64(100 + index), gtid: "0-1-\(index)")
        }
    }

    @Test func outageMidStreamIsWaitedOutWithoutLossOrDuplicates() throws {
        let cluster = try MockKafkaCluster()
        let topic = "\(KafkaTestEnvironment.runID()).orders"
        try cluster.createTopic(topic)
        let logLines = LogLines()
        let configuration = try KafkaSinkConfiguration(
            url: "kafka://\(cluster.bootstrapServers)", topicTemplate: topic, properties: Self.fastReconnect)
        let sink = try KafkaSink(configuration, log: logLines.sink)

        try sink.write(TestRecord.batch(Self.records(0..<100)))
        try sink.flush()

        cluster.setAllDown()
        try sink.write(TestRecord.batch(Self.records(100..<200)))
        let outage = Duration.seconds(3)
        let returns = Thread {
            Thread.sleep(forTimeInterval: 3)
            cluster.setAllUp()
        }
        let started = ContinuousClock.now
        returns.start()
        try sink.flush()
        let waited = ContinuousClock.now - started
        #expect(waited >= outage - .milliseconds(300), "flush returned before the brokers came back")
        #expect(sink.outstandingMessages == 0)

        try sink.write(TestRecord.batch(Self.records(200..<300)))
        try sink.flush()
        try sink.close()
        #expect(sink.deliveredMessages == 300)

        let consumed = try Kcat.consume(brokers: cluster.bootstrapServers, topic: topic)
        let values = consumed.compactMap(\.value)
        #expect(values.count == 300, "lost or duplicated messages")
        #expect(Set(values) == Set(Self.records(0..<300).map(\.value)))
        for key in 0..<7 {
            let got = consumed.filter { $0.key == #"{"id":\#(key)}"# }.compactMap(\.value)
            let want = Self.records(0..<300).filter { $0.key == #"{"id":\#(key)}"# }.map(\.value)
            #expect(got == want, "key \(key) out of order")
        }
        // The outage was logged, rate-limited, and so was the recovery.
        let lines = logLines.lines
        #expect(!lines.isEmpty)
        #expect(lines.count < 30, "\(lines)")
        #expect(lines.contains { $0.contains("acknowledge messages again") }, "\(lines)")
    }

    @Test func brokersUnreachableAtStartAreWaitedFor() throws {
        let cluster = try MockKafkaCluster()
        let topic = "\(KafkaTestEnvironment.runID()).orders"
        try cluster.createTopic(topic)
        cluster.setAllDown()
        let configuration = try KafkaSinkConfiguration(
            url: "kafka://\(cluster.bootstrapServers)", topicTemplate: topic, properties: Self.fastReconnect)
        let sink = try KafkaSink(configuration, log: { _ in })
        try sink.write(TestRecord.batch(Self.records(0..<20)))
        let returns = Thread {
            Thread.sleep(forTimeInterval: 2)
            cluster.setAllUp()
        }
        returns.start()
        try sink.flush()
        #expect(sink.deliveredMessages == 20)
        try sink.close()
        #expect(try Kcat.consume(brokers: cluster.bootstrapServers, topic: topic).count == 20)
    }

    @Test func permanentErrorStopsWithTheTopicAndRecord() throws {
        let cluster = try MockKafkaCluster()
        let topic = "\(KafkaTestEnvironment.runID()).orders"
        try cluster.createTopic(topic)
        let configuration = try KafkaSinkConfiguration(
            url: "kafka://\(cluster.bootstrapServers)", topicTemplate: topic, properties: Self.fastReconnect)
        let sink = try KafkaSink(configuration, log: { _ in })
        try sink.write(TestRecord.batch(Self.records(0..<5)))
        try sink.flush()

        cluster.failNextProduceRequests(Array(repeating: RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, count: 10))
        try sink.write(TestRecord.batch(Self.records(5..<10)))
        do {
            try sink.flush()
            Issue.record("flush returned although the broker refused the records")
        } catch {
            #expect(error.code == .sink)
            #expect(error.message.contains(topic), "\(error)")
            #expect(error.message.contains("mysql-bin.000001:10"), "\(error)")
            #expect(error.message.contains("TOPIC_AUTHORIZATION_FAILED"), "\(error)")
        }
        // The sink stays failed: nothing more is accepted.
        #expect(throws: CDCError.self) { try sink.write(TestRecord.batch(Self.records(10..<11))) }
        #expect(throws: CDCError.self) { try sink.flush() }
        try sink.close()
    }

    @Test func messageLargerThanAllowedIsRefusedAtWrite() throws {
        let cluster = try MockKafkaCluster()
        let topic = "\(KafkaTestEnvironment.runID()).orders"
        try cluster.createTopic(topic)
        let configuration = try KafkaSinkConfiguration(
            url: "kafka://\(cluster.bootstrapServers)", topicTemplate: topic, properties: ["message.max.bytes=1000"])
        let sink = try KafkaSink(configuration, log: { _ in })
        var big = Self.records(0..<1)
        big[0].value = String(repeating: "x", count: 5000)
        do {
            try sink.write(TestRecord.batch(big))
            try sink.flush()
            Issue.record("a 5000-byte message went through with message.max.bytes=1000")
        } catch {
            #expect(error.code == .sink)
            #expect(error.message.contains(topic), "\(error)")
            #expect(error.message.contains("mysql-bin.000001:100:0"), "\(error)")
            #expect(error.message.contains("MSG_SIZE_TOO_LARGE"), "\(error)")
            // What, how large, the limit in force and the setting to change.
            #expect(error.message.contains("of shop.orders is 5008 bytes (value 5000, key 8)"), "\(error)")
            #expect(error.message.contains("message.max.bytes (1000)"), "\(error)")
            #expect(error.message.contains("--kafka-property message.max.bytes=1048576"), "\(error)")
            #expect(error.message.contains("max.message.bytes"), "\(error)")
        }
        try sink.close()
    }

    /// A record larger than the whole producer queue could never be queued: a clear error, not a wait for ever.
    @Test func messageLargerThanTheQueueIsRefused() throws {
        let cluster = try MockKafkaCluster()
        let topic = "\(KafkaTestEnvironment.runID()).orders"
        try cluster.createTopic(topic)
        let configuration = try KafkaSinkConfiguration(
            url: "kafka://\(cluster.bootstrapServers)", topicTemplate: topic,
            properties: ["message.max.bytes=8000000", "queue.buffering.max.kbytes=1024"])
        let sink = try KafkaSink(configuration, log: { _ in })
        var big = Self.records(0..<1)
        big[0].value = String(repeating: "x", count: 2 << 20)
        do {
            try sink.write(TestRecord.batch(big))
            try sink.flush()
            Issue.record("a 2 MiB message was queued with queue.buffering.max.kbytes=1024")
        } catch {
            #expect(error.code == .sink)
            #expect(error.message.contains("mysql-bin.000001:100:0 of shop.orders"), "\(error)")
            #expect(error.message.contains("queue.buffering.max.kbytes 1024"), "\(error)")
            #expect(error.message.contains("--kafka-property queue.buffering.max.kbytes=3072"), "\(error)")
        }
        try sink.close()
    }

    /// The limit raised as the error says: the same record goes through, whole.
    @Test func messageLargerThanTheDefaultGoesThroughWithTheLimitRaised() throws {
        let cluster = try MockKafkaCluster()
        let topic = "\(KafkaTestEnvironment.runID()).blobs"
        try cluster.createTopic(topic)
        let size = 3 << 20
        let configuration = try KafkaSinkConfiguration(
            url: "kafka://\(cluster.bootstrapServers)", topicTemplate: topic,
            properties: ["message.max.bytes=\(size + (1 << 20))"])
        let sink = try KafkaSink(configuration, log: { _ in })
        var big = Self.records(0..<1, table: "blobs")
        big[0].value = String(repeating: "b", count: size)
        try sink.write(TestRecord.batch(big))
        try sink.flush()
        try sink.close()
        let messages = try Kcat.consume(brokers: cluster.bootstrapServers, topic: topic)
        #expect(messages.count == 1)
        let value = messages.first?.value ?? ""
        #expect(value.utf8.count == size)
        #expect(value.utf8.allSatisfy { $0 == UInt8(ascii: "b") })
        #expect(messages.first?.headers["key"] == "mysql-bin.000001:100:0")
    }
}
