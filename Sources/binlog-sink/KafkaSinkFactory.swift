import CDCCore
import KafkaSink

extension SinkFactory {
    /// `kafka://HOST:PORT[,HOST:PORT…]` with `--topic`, `--kafka-property` and `--tombstones` (docs/kafka-sink.md).
    static func makeKafkaSink(_ context: Context) throws(CDCError) -> any RecordSink {
        let options = context.options
        if options.kafkaTransactions {
            throw CDCError(
                .usage,
                "--kafka-transactions is not supported yet: the Kafka sink delivers at least once (idempotent "
                    + "producer, acks=all); consumers de-duplicate with the 'key' header (docs/kafka-sink.md)")
        }
        let configuration = try KafkaSinkConfiguration(
            url: options.sink, topicTemplate: options.topic, properties: options.kafkaProperties,
            tombstones: options.tombstones)
        let sink = try KafkaSink(configuration, log: context.log)
        context.log(
            "kafka: producing to \(configuration.bootstrapServers) with librdkafka \(KafkaSink.librdkafkaVersion)")
        return sink
    }
}
