/// `--sink stdout` (and `parse`): every record, in order, as one stream of lines on a file descriptor.
/// A checkpoint follows a flush (and an fsync when the descriptor is a file).
public final class StreamSink: RecordSink {
    public let writer: OutputWriter
    private let separator: [UInt8]

    public init(writer: OutputWriter, separator: [UInt8]) {
        self.writer = writer
        self.separator = separator
    }

    public static func standardOutput(separator: [UInt8] = [10]) -> StreamSink {
        StreamSink(writer: OutputWriter.standardOutput(), separator: separator)
    }

    public var description: String { writer.name }
    public var wantsKeys: Bool { false }

    public func write(_ batch: RecordBatch) throws(CDCError) {
        // The pipeline lays records out back to back, each followed by the separator: one copy for the batch.
        if let first = batch.records.first, let last = batch.records.last {
            try writer.append(batch.values[first.value.lowerBound..<last.value.upperBound + separator.count])
        }
    }

    public func flush() throws(CDCError) { try writer.sync() }

    public func close() throws(CDCError) { try writer.flush() }
}
