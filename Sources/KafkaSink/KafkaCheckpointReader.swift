import CDCCore
import CKafka

/// Reads the last committed `KafkaCheckpoint` of a transactional id from the checkpoint topic: a `read_committed`
/// consumer reads every partition from the beginning to its end and keeps the last message with the id as key.
/// A missing topic means no checkpoint yet. Waits (logging, rate-limited) while the brokers are unreachable.
enum KafkaCheckpointReader {
    /// Properties of the sink a consumer needs too (how to reach and authenticate to the brokers).
    static let sharedPrefixes = ["security.", "sasl.", "ssl.", "socket.", "broker.", "client.dns.", "client.id"]

    static func read(
        configuration: KafkaSinkConfiguration, topic: String, key: String, log: @escaping (String) -> Void
    ) throws(CDCError) -> KafkaCheckpoint? {
        guard let conf = rd_kafka_conf_new() else {
            throw CDCError(.sink, "kafka: librdkafka could not allocate a configuration")
        }
        var properties: [(name: String, value: String)] = [
            ("bootstrap.servers", configuration.bootstrapServers),
            ("group.id", "binlog-sink-checkpoint-reader"),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("enable.partition.eof", "true"),
            ("isolation.level", "read_committed"),
            ("allow.auto.create.topics", "false"),
        ]
        properties += configuration.properties.filter { property in
            sharedPrefixes.contains { property.name.hasPrefix($0) }
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in properties
        where rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
            != RD_KAFKA_CONF_OK
        {
            rd_kafka_conf_destroy(conf)
            throw CDCError(.usage, "--kafka-property \(name) (checkpoint consumer): \(KafkaProducer.text(errorText))")
        }
        guard let consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw CDCError(.sink, "kafka: the checkpoint consumer could not start: \(KafkaProducer.text(errorText))")
        }
        defer {
            _ = rd_kafka_consumer_close(consumer)
            rd_kafka_destroy(consumer)
        }
        var limiter = KafkaLogLimiter(interval: .seconds(10))
        guard let partitions = try partitions(consumer, topic: topic, log: log, limiter: &limiter) else { return nil }
        guard let list = rd_kafka_topic_partition_list_new(Int32(partitions.count)) else {
            throw CDCError(.sink, "kafka: librdkafka could not allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions {
            rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
        }
        let assigned = rd_kafka_assign(consumer, list)
        guard assigned == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw CDCError(
                .sink, "kafka: reading checkpoint topic \(topic): \(KafkaProducer.errorDescription(assigned))")
        }
        var atEnd = Set<Int32>()
        var found: KafkaCheckpoint?
        let keyBytes = Array(key.utf8)
        while atEnd.count < partitions.count {
            guard let message = rd_kafka_consumer_poll(consumer, 500) else { continue }
            defer { rd_kafka_message_destroy(message) }
            let error = message.pointee.err
            if error == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                atEnd.insert(message.pointee.partition)
                continue
            }
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                if rd_kafka_fatal_error(consumer, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR
                    || error == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
                {
                    throw CDCError(
                        .sink, "kafka: reading checkpoint topic \(topic): \(KafkaProducer.errorDescription(error))")
                }
                if let line = limiter.admit(
                    "read",
                    "kafka: reading checkpoint topic \(topic): \(KafkaProducer.errorDescription(error)); retrying")
                {
                    log(line)
                }
                continue
            }
            let messageKey =
                message.pointee.key.map {
                    Array(UnsafeRawBufferPointer(start: $0, count: message.pointee.key_len))
                } ?? []
            guard messageKey == keyBytes else { continue }
            let checkpoint = KafkaCheckpoint { name in KafkaProducer.header(name, of: message) }
            guard let checkpoint else {
                throw CDCError(
                    .sink,
                    "kafka: checkpoint topic \(topic) partition \(message.pointee.partition) offset "
                        + "\(message.pointee.offset): the message keyed \(key) is no binlog-sink checkpoint (its "
                        + "headers lack file, position or row); use another --kafka-checkpoint-topic")
            }
            found = checkpoint
        }
        return found
    }

    /// The topic's partition ids; nil when it does not exist. Retries while the brokers do not answer.
    private static func partitions(
        _ consumer: OpaquePointer, topic: String, log: (String) -> Void, limiter: inout KafkaLogLimiter
    ) throws(CDCError) -> [Int32]? {
        guard let handle = rd_kafka_topic_new(consumer, topic, nil) else {
            throw CDCError(.sink, "kafka: topic \(topic): \(KafkaProducer.errorDescription(rd_kafka_last_error()))")
        }
        defer { rd_kafka_topic_destroy(handle) }
        while true {
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let result = rd_kafka_metadata(consumer, 0, handle, &metadata, 5000)
            if result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata {
                defer { rd_kafka_metadata_destroy(metadata) }
                guard metadata.pointee.topic_cnt > 0, let topics = metadata.pointee.topics else { return nil }
                let entry = topics[0]
                if entry.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART { return nil }
                if entry.err == RD_KAFKA_RESP_ERR_NO_ERROR, entry.partition_cnt > 0, let partitions = entry.partitions {
                    return (0..<Int(entry.partition_cnt)).map { partitions[$0].id }
                }
                if entry.err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED {
                    throw CDCError(
                        .sink, "kafka: checkpoint topic \(topic): \(KafkaProducer.errorDescription(entry.err))")
                }
                if let line = limiter.admit(
                    "metadata",
                    "kafka: checkpoint topic \(topic): \(KafkaProducer.errorDescription(entry.err)); retrying")
                {
                    log(line)
                }
            } else if let line = limiter.admit(
                "metadata",
                "kafka: reading checkpoint topic \(topic): \(KafkaProducer.errorDescription(result)); waiting for the "
                    + "brokers")
            {
                log(line)
            }
            // A pause before the next attempt (serving the consumer's events meanwhile).
            _ = rd_kafka_poll(consumer, 500)
        }
    }
}
