import CDCCore

/// How the Kafka sink connects and what it writes: `--sink kafka://HOST:PORT[,HOST:PORT…]`, `--topic`,
/// `--kafka-property`, `--tombstones` (docs/kafka-sink.md).
public struct KafkaSinkConfiguration: Sendable {
    /// librdkafka's `bootstrap.servers`: the URL's comma-separated HOST:PORT list.
    public var bootstrapServers: String
    public var topics: KafkaTopicTemplate
    /// `--kafka-property name=value`, in the order given: applied after `defaultProperties`, so they override them.
    public var properties: [(name: String, value: String)]
    /// Write a tombstone (null value, same key) after each delete record.
    public var tombstones: Bool
    /// `--kafka-transactions`: exactly-once (docs/kafka-sink.md); nil: at-least-once.
    public var transactions: Transactions?

    /// Exactly-once settings: the producer's `transactional.id` (from `--kafka-property`) and where the checkpoint
    /// of each Kafka transaction goes (`--kafka-checkpoint-topic`).
    public struct Transactions: Sendable, Equatable {
        public var transactionalID: String
        public var checkpointTopic: String
        /// Encoded bytes of an unfinished source transaction held back before it is streamed instead (its own
        /// Kafka transaction, committed at the first flush after its end).
        public var maxHeldBytes: Int

        public static let defaultCheckpointTopic = "binlog-sink.checkpoints"

        public init(
            transactionalID: String, checkpointTopic: String = Self.defaultCheckpointTopic,
            maxHeldBytes: Int = 32 << 20
        ) {
            self.transactionalID = transactionalID
            self.checkpointTopic = checkpointTopic
            self.maxHeldBytes = maxHeldBytes
        }
    }

    /// The producer settings binlog-sink starts from: no record lost or reordered per key, a broker outage waited
    /// out, memory bounded, partitions chosen as Java clients (and Kafka Connect) choose them.
    public static let defaultProperties: [(name: String, value: String)] = [
        ("client.id", "binlog-sink"),
        ("enable.idempotence", "true"),
        ("acks", "all"),
        // 0: no timeout. A record is only failed for a non-retriable error; an outage is waited out. (Not with
        // transactions: a message may not outlive its transaction, `transaction.timeout.ms`.)
        ("message.timeout.ms", "0"),
        ("queue.buffering.max.messages", "50000"),
        ("queue.buffering.max.kbytes", "65536"),
        ("partitioner", "murmur2_random"),
    ]

    /// Properties the sink relies on and sets last; `--kafka-property` cannot change them.
    static let fixedProperties: [(name: String, value: String)] = [
        ("log.queue", "true"),
        // Successful deliveries need no report: flush waits for librdkafka's queue to empty, failures are reported.
        ("delivery.report.only.error", "true"),
    ]

    public init(
        bootstrapServers: String, topics: KafkaTopicTemplate = KafkaTopicTemplate.standard,
        properties: [(name: String, value: String)] = [], tombstones: Bool = false,
        transactions: Transactions? = nil
    ) {
        self.bootstrapServers = bootstrapServers
        self.topics = topics
        self.properties = properties
        self.tombstones = tombstones
        self.transactions = transactions
    }

    /// From `--sink kafka://HOST:PORT[,HOST:PORT…]` and the other options.
    public init(
        url: String, topicTemplate: String = KafkaTopicTemplate.standard.template, properties: [String] = [],
        tombstones: Bool = false, transactions: Bool = false,
        checkpointTopic: String = Transactions.defaultCheckpointTopic
    ) throws(CDCError) {
        let parsed = try properties.map { (text) throws(CDCError) in try Self.property(text) }
        let transactionalID = parsed.last { $0.name == "transactional.id" }?.value
        var settings: Transactions?
        if transactions {
            guard let transactionalID, !transactionalID.isEmpty else {
                throw CDCError(
                    .usage,
                    "--kafka-transactions needs a transactional id that stays the same across restarts of this "
                        + "connector: add --kafka-property transactional.id=NAME (docs/kafka-sink.md)")
            }
            guard (try? KafkaTopicTemplate(checkpointTopic)) != nil, !checkpointTopic.contains("{") else {
                throw CDCError(.usage, "--kafka-checkpoint-topic \(checkpointTopic): not a valid topic name")
            }
            settings = Transactions(transactionalID: transactionalID, checkpointTopic: checkpointTopic)
        } else if transactionalID != nil {
            throw CDCError(
                .usage, "--kafka-property transactional.id: only with --kafka-transactions (docs/kafka-sink.md)")
        }
        self.init(
            bootstrapServers: try Self.bootstrapServers(url: url), topics: try KafkaTopicTemplate(topicTemplate),
            properties: parsed, tombstones: tombstones, transactions: settings)
    }

    /// Every property the producer is created with, in the order they are set (later ones win).
    public var effectiveProperties: [(name: String, value: String)] {
        let defaults =
            transactions == nil
            ? Self.defaultProperties : Self.defaultProperties.filter { $0.name != "message.timeout.ms" }
        return [("bootstrap.servers", bootstrapServers)] + defaults + properties + derivedProperties
            + Self.fixedProperties
    }

    /// Defaults that follow from the user's settings: a `message.max.bytes` raised past the queue's byte bound
    /// (`queue.buffering.max.kbytes`, 64 MiB) raises the bound to hold one such message, unless the bound is set too
    /// (a larger message could never be queued: librdkafka would answer "queue full" for ever).
    var derivedProperties: [(name: String, value: String)] {
        guard !properties.contains(where: { $0.name == "queue.buffering.max.kbytes" }),
            let maxBytes = properties.last(where: { $0.name == "message.max.bytes" }).flatMap({ Int($0.value) })
        else { return [] }
        let kbytes = (maxBytes + 1023) / 1024 + 1024
        guard kbytes > 65536 else { return [] }
        return [("queue.buffering.max.kbytes", String(kbytes))]
    }

    /// `kafka://h1:9092,h2:9092` (an optional trailing `/`) as `h1:9092,h2:9092`.
    static func bootstrapServers(url: String) throws(CDCError) -> String {
        let scheme = "kafka://"
        guard url.hasPrefix(scheme) else {
            throw CDCError(.usage, "--sink \(url): a Kafka sink URL is kafka://HOST:PORT[,HOST:PORT…]")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let brokers = rest.split(separator: ",", omittingEmptySubsequences: false)
        for broker in brokers {
            let parts = broker.split(separator: ":", omittingEmptySubsequences: false)
            let host = parts.dropLast().joined(separator: ":")
            guard parts.count >= 2, !host.isEmpty, !host.contains("/"), !host.contains("@"), !host.contains("?"),
                let port = parts.last.flatMap({ UInt16($0) }), port > 0
            else {
                throw CDCError(
                    .usage,
                    "--sink \(url): '\(broker)' is not HOST:PORT; a Kafka sink URL is kafka://HOST:PORT[,HOST:PORT…] "
                        + "(no user, path or query: pass security settings with --kafka-property)")
            }
        }
        return String(rest)
    }

    /// `name=value` (the value may contain `=`). The value is never repeated in errors: it may be a password.
    static func property(_ text: String) throws(CDCError) -> (name: String, value: String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            let name = text.split(separator: "=").first.map(String.init) ?? ""
            throw CDCError(.usage, "--kafka-property \(name): use name=value (e.g. compression.type=lz4)")
        }
        let name = String(text[..<equals])
        if fixedProperties.contains(where: { $0.name == name }) {
            throw CDCError(.usage, "--kafka-property \(name): the Kafka sink sets this property itself")
        }
        return (name, String(text[text.index(after: equals)...]))
    }
}
