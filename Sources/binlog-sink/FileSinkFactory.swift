import CDCCore

extension SinkFactory {
    /// `file:DIR`.
    static func makeFileSink(_ context: Context) throws(CDCError) -> any RecordSink {
        let options = context.options
        let directory = String(options.sink.dropFirst("file:".count))
        guard !directory.isEmpty else {
            throw CDCError(.usage, "--sink file: needs a directory, e.g. --sink file:./changes")
        }
        return try FileSink(
            directory: directory, layout: options.fileLayout == "single" ? .single : .perTable,
            separator: try lineSeparator(context, sink: "files"), maxBytes: options.fileMaxBytes,
            maxSeconds: options.fileMaxSeconds, log: context.log)
    }
}
