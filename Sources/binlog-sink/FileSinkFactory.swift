import CDCCore

extension SinkFactory {
    /// `file:DIR`.
    static func makeFileSink(_ context: Context) throws(CDCError) -> any RecordSink {
        throw CDCError(.usage, "--sink \(context.options.sink): the file sink is not built yet")
    }
}
