import CDCCore
import KafkaSink

extension SinkFactory {
    /// `kafka://HOST:PORT[,HOST:PORT…]`.
    static func makeKafkaSink(_ context: Context) throws(CDCError) -> any RecordSink {
        throw CDCError(.usage, "--sink \(context.options.sink): the Kafka sink is not built yet")
    }
}
