import CDCCore

/// The sink registry: turns `--sink URL` into a sink. A new sink is one file implementing `RecordSink` plus one
/// case here (docs/sinks.md).
enum SinkFactory {
    struct Context {
        var options: SinkOptions
        var encoder: any RecordEncoder
        var log: (String) -> Void
    }

    static func make(_ context: Context) throws(CDCError) -> any RecordSink {
        let url = context.options.sink
        if url == "stdout" || url == "-" {
            return StreamSink.standardOutput(separator: try lineSeparator(context, sink: "stdout"))
        }
        if url.hasPrefix("file:") {
            return try makeFileSink(context)
        }
        if url.hasPrefix("kafka://") {
            return try makeKafkaSink(context)
        }
        if url.hasPrefix("redis://") || url.hasPrefix("rediss://") {
            return try makeRedisSink(context)
        }
        throw CDCError(
            .usage,
            "--sink \(url): unknown sink; use stdout, file:DIR, kafka://HOST:PORT or redis://HOST:PORT")
    }

    /// Line sinks need a format with a line separator.
    static func lineSeparator(_ context: Context, sink: String) throws(CDCError) -> [UInt8] {
        let separator = context.encoder.separator
        guard !separator.isEmpty else {
            throw CDCError(
                .usage,
                "--format \(context.options.format) is binary and cannot be written to \(sink): use --format json "
                    + "or debezium, or a kafka:// or redis:// sink")
        }
        return separator
    }
}
