import CDCCore
import KafkaSink

extension SinkFactory {
    /// `kafka://HOST:PORT[,HOST:PORT…]` with `--topic`, `--kafka-property`, `--tombstones` and `--kafka-transactions` (docs/kafka-sink.md).
    static func makeKafkaSink(_ context: Context) throws(CDCError) -> any RecordSink {
        let options = context.options
        for warning in CommandLineSecrets.kafkaPropertyWarnings(options.kafkaProperties) { Logger.warn(warning) }
        var properties = options.kafkaProperties
        if let path = options.kafkaPropertyFile {
            let file = try KafkaPropertyFile(path: path)
            if let warning = file.warning { context.log(warning) }
            properties = file.properties + properties
        }
        let configuration = try KafkaSinkConfiguration(
            url: options.sink, topicTemplate: options.topic, properties: properties,
            tombstones: options.tombstones, transactions: options.kafkaTransactions,
            checkpointTopic: options.kafkaCheckpointTopic)
        let sink = try KafkaSink(configuration, log: context.log)
        context.log(
            "kafka: producing to \(configuration.bootstrapServers) with librdkafka \(KafkaSink.librdkafkaVersion)")
        return sink
    }
}
