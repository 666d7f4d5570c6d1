import ArgumentParser
import CDCCore

/// Where records go and how they are encoded: the options `run` (and later `snapshot`) share.
struct SinkOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where records go: stdout, file:DIR, kafka://HOST:PORT[,HOST:PORT…] or redis[s]://HOST:PORT[/DB][?mode=stream|hash].",
            valueName: "url"))
    var sink: String = "stdout"

    @Option(help: "Record format: json (native), debezium (Debezium's JSON envelope) or avro (Confluent wire format).")
    var format: String = "json"

    @Option(help: "Seconds between checkpoints (the sink is flushed and the position saved).")
    var checkpointInterval: Double = 1

    @Flag(
        help:
            "BEGIN/END marker records around each source transaction (inline in one-stream sinks, else in binlog_sink.transactions)."
    )
    var transactionMarkers = false

    // MARK: file sink

    @Option(help: "file sink: per-table (DIR/<db>.<table>.jsonl) or single (DIR/changes.jsonl).")
    var fileLayout: String = "per-table"

    @Option(help: "file sink: start a new segment when the open one reaches this many bytes (0: never).")
    var fileMaxBytes: UInt64 = 256 << 20

    @Option(help: "file sink: start a new segment when the open one is this many seconds old (0: never).")
    var fileMaxSeconds: Double = 0

    // MARK: Kafka sink

    @Option(help: "kafka sink: topic name template; {db} and {table} are replaced.")
    var topic: String = "cdc.{db}.{table}"

    @Option(
        name: .customLong("kafka-property"),
        help: ArgumentHelp(
            "kafka sink: a librdkafka property (repeatable); secrets such as sasl.password belong in a connector file as ${VAR}.",
            valueName: "name=value"))
    var kafkaProperties: [String] = []

    @Option(
        help: ArgumentHelp(
            "kafka sink: librdkafka properties from a file (name=value lines, # comments), for secrets such as "
                + "sasl.password; --kafka-property overrides it.", valueName: "file"))
    var kafkaPropertyFile: String?

    @Flag(help: "kafka sink: write a tombstone (null value) after each delete record.")
    var tombstones = false

    @Flag(help: "kafka sink: exactly-once with Kafka transactions (needs --kafka-property transactional.id=NAME).")
    var kafkaTransactions = false

    @Option(help: "kafka sink, --kafka-transactions: the topic the checkpoints are committed to.")
    var kafkaCheckpointTopic: String = "binlog-sink.checkpoints"

    // MARK: Redis sink

    @Option(help: "redis sink: read the AUTH password from this file (else REDISCLI_AUTH).")
    var redisPasswordFile: String?

    @Option(help: "redis sink, stream mode: trim each stream to about this many entries (XADD MAXLEN ~).")
    var redisMaxlen: UInt64?

    @Option(help: "redis sink: the ACL user for AUTH USER PASSWORD (else the URL's user, else the default user).")
    var redisUser: String?

    @Option(help: "rediss:// sink: PEM file of the CA(s) that sign the server's certificate (else the system's).")
    var redisTlsCa: String?

    @Option(help: "rediss:// sink: PEM client certificate, for servers with tls-auth-clients (with --redis-tls-key).")
    var redisTlsCert: String?

    @Option(help: "rediss:// sink: the client certificate's PEM private key (unencrypted).")
    var redisTlsKey: String?

    @Option(help: "rediss:// sink: the name the server's certificate must hold (else the URL's host).")
    var redisTlsServerName: String?

    // MARK: Avro

    @Option(help: "avro format: a Confluent-compatible schema registry to register schemas with (else embedded).")
    var schemaRegistryUrl: String?

    @Option(
        help:
            "avro format: read the registry's basic auth USER:PASSWORD from this file (else SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO)."
    )
    var schemaRegistryAuthFile: String?

    @Option(help: "avro format: seconds to keep retrying an unreachable schema registry before giving up.")
    var schemaRegistryTimeout: Double = 60

    @Option(help: "avro format: serve the embedded registry's read API (Confluent REST) on HOST:PORT.")
    var registryListen: String?

    @Flag(
        help: "avro format: let clients register schemas with the embedded registry (POST), so other runs can use it.")
    var registryWritable = false

    func validate() throws {
        guard checkpointInterval > 0, checkpointInterval <= 3600 else {
            throw ValidationError("--checkpoint-interval must be more than 0 and at most 3600 seconds")
        }
        guard ["json", "debezium", "avro"].contains(format) else {
            throw ValidationError("--format \(format): use json, debezium or avro")
        }
        guard ["per-table", "single"].contains(fileLayout) else {
            throw ValidationError("--file-layout \(fileLayout): use per-table or single")
        }
        if kafkaTransactions && !sink.hasPrefix("kafka://") {
            throw ValidationError("--kafka-transactions is for a kafka:// sink, not \(sink)")
        }
        if kafkaTransactions && kafkaPropertyFile == nil
            && !kafkaProperties.contains(where: { $0.hasPrefix("transactional.id=") })
        {
            throw ValidationError(
                "--kafka-transactions needs --kafka-property transactional.id=NAME, the same across restarts")
        }
        for property in kafkaProperties where !property.contains("=") {
            throw ValidationError("--kafka-property \(property): use name=value (e.g. compression.type=lz4)")
        }
    }
}
