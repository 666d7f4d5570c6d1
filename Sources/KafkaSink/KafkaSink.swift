import CDCCore

/// `--sink kafka://HOST:PORT[,HOST:PORT…]`: each record is one Kafka message (docs/kafka-sink.md).
///
/// - value: the record in the chosen format; key: its primary-key columns (the whole row without a primary key), so
///   the changes of one row stay in order in one partition;
/// - topic: from `--topic` per table; headers `op`, `key` (the de-duplication key), `gtid` (when the transaction has
///   one) and `position` (`file:pos` of the rows event);
/// - with `--tombstones`, a delete is followed by a tombstone: the same key, a null value, `op` = `tombstone`.
///
/// `write` queues the messages (librdkafka copies the bytes) and only blocks while librdkafka's bounded queue is
/// full; `flush` returns once every message so far is acknowledged by all in-sync replicas. The producer is
/// idempotent and never times a message out, so an outage is waited out without loss, duplicates or reordering; a
/// message the cluster refuses for good makes `write`/`flush` throw `.sink`, naming the topic and the record.
public final class KafkaSink: RecordSink {
    public let configuration: KafkaSinkConfiguration
    private let producer: KafkaProducer
    /// Topic handle and name per table, cached by database and table name (tables are per batch; their names are not).
    private var topics: [String: (handle: OpaquePointer, name: String)] = [:]

    public init(_ configuration: KafkaSinkConfiguration, log: @escaping (String) -> Void) throws(CDCError) {
        self.configuration = configuration
        self.producer = try KafkaProducer(properties: configuration.effectiveProperties, log: log)
    }

    public var description: String { "kafka://\(configuration.bootstrapServers)" }

    public var wantsKeys: Bool { true }

    /// Messages queued whose acknowledgement has not arrived yet.
    public var outstandingMessages: Int { producer.outstanding }

    /// Messages acknowledged so far.
    public var deliveredMessages: Int { producer.delivered }

    /// The librdkafka the process runs with.
    public static var librdkafkaVersion: String { KafkaProducer.runtimeVersion }

    public func write(_ batch: RecordBatch) throws(CDCError) {
        var batchTopics = [(handle: OpaquePointer, name: String)?](repeating: nil, count: batch.tables.count)
        for record in batch.records {
            guard batch.tables.indices.contains(record.table), batch.origins.indices.contains(record.origin) else {
                throw CDCError(.sink, "kafka: a record of the batch names a table or origin the batch lacks")
            }
            let topic: (handle: OpaquePointer, name: String)
            if let known = batchTopics[record.table] {
                topic = known
            } else {
                topic = try self.topic(batch.tables[record.table])
                batchTopics[record.table] = topic
            }
            let origin = batch.origins[record.origin]
            let dedupKey = batch.dedupKey(record)
            let position = "\(origin.file):\(record.position)"
            let operation =
                switch record.marker {
                case nil: Self.name(record.operation)
                case .begin: "begin"
                case .end: "end"
                }
            try send(batch, record, topic: topic, value: true, op: operation, dedupKey, origin.gtid, position)
            if configuration.tombstones && record.operation == .delete {
                try send(batch, record, topic: topic, value: false, op: "tombstone", dedupKey, origin.gtid, position)
            }
        }
        // Take the delivery reports that arrived, without waiting.
        producer.poll(timeoutMilliseconds: 0)
        if let failure = producer.failure { throw failure }
    }

    public func flush() throws(CDCError) {
        try producer.flush()
    }

    public func close() throws(CDCError) {
        producer.close()
    }

    // MARK: -

    private func send(
        _ batch: RecordBatch, _ record: RecordBatch.Record, topic: (handle: OpaquePointer, name: String), value: Bool,
        op: String, _ dedupKey: String, _ gtid: String?, _ position: String
    ) throws(CDCError) {
        let headers: KeyValuePairs<String, String> =
            if let gtid {
                ["op": op, "key": dedupKey, "gtid": gtid, "position": position]
            } else {
                ["op": op, "key": dedupKey, "position": position]
            }
        guard record.key.lowerBound >= 0, record.key.upperBound <= batch.keys.count, record.value.lowerBound >= 0,
            record.value.upperBound <= batch.values.count
        else {
            throw CDCError(.sink, "kafka: record \(dedupKey) points outside its batch's bytes")
        }
        // Array.withUnsafeBytes rethrows untyped errors: the typed one is carried out by hand.
        var failure: CDCError?
        batch.keys.withUnsafeBytes { keys in
            batch.values.withUnsafeBytes { values in
                let key = record.key.isEmpty ? nil : UnsafeRawBufferPointer(rebasing: keys[record.key])
                do throws(CDCError) {
                    try producer.produce(
                        topic: topic.handle, topicName: topic.name,
                        value: value ? UnsafeRawBufferPointer(rebasing: values[record.value]) : nil, key: key,
                        headers: headers, record: dedupKey)
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
    }

    private func topic(_ table: RecordBatch.Table) throws(CDCError) -> (handle: OpaquePointer, name: String) {
        let id = "\(table.database)\u{0}\(table.table)"
        if let known = topics[id] { return known }
        let name = try configuration.topics.topic(database: table.database, table: table.table)
        let topic = (handle: try producer.topic(name), name: name)
        topics[id] = topic
        return topic
    }

    /// The `op` header: the record format's names.
    static func name(_ operation: RecordRenderer.Operation) -> String {
        switch operation {
        case .insert: return "insert"
        case .update: return "update"
        case .delete: return "delete"
        case .read: return "read"
        }
    }
}
