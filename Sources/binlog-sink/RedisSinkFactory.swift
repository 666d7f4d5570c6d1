import CDCCore
import RedisSink

extension SinkFactory {
    /// `redis://HOST:PORT[/DB][?mode=stream|hash]`.
    static func makeRedisSink(_ context: Context) throws(CDCError) -> any RecordSink {
        throw CDCError(.usage, "--sink \(context.options.sink): the Redis sink is not built yet")
    }
}
