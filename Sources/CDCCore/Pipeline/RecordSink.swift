/// Where records go: stdout, files, Kafka, Redis, … A sink is one file implementing this protocol plus one line in
/// the sink registry of the command (`SinkFactory`); see docs/sinks.md and examples/custom-sink.
///
/// The pipeline calls a sink from one thread, in this order: `write` for every batch in binlog order, `push` when
/// the source is about to wait for the server (so records go out as they are committed), `flush` at each checkpoint
/// (every `--checkpoint-interval` and at shutdown), `close` once at the end. The checkpoint saved after `flush`
/// returns is the position up to which every record written so far is acknowledged, so delivery is at-least-once:
/// a sink must never report a record as flushed before it is durable (fsynced, acked with acks=all, replied to).
public protocol RecordSink: AnyObject {
    /// What logs and errors name (never a password).
    var description: String { get }

    /// Whether records need their message key encoded (`RecordBatch.Record.key`): keyed sinks such as Kafka and
    /// Redis say true, line sinks false.
    var wantsKeys: Bool { get }

    /// Accepts the batch's records, in order, after every record of earlier batches. May return before they are
    /// durable (queued, buffered). Throws (`CDCError` with code `.sink`) only for a failure that retrying cannot
    /// fix; a sink that is temporarily unreachable waits and retries, logging it.
    func write(_ batch: RecordBatch) throws(CDCError)

    /// Sends what `write` holds on its way (written to the file, handed to the network) without waiting for it to
    /// be durable or acknowledged: called before the source waits for the server, so consumers see records as they
    /// are committed, not at the next checkpoint. Never saves a checkpoint by itself. The default calls `flush`.
    func push() throws(CDCError)

    /// Returns once every record passed to `write` so far is durable in the sink. Blocks (retrying) while the sink
    /// is temporarily unreachable; throws for a permanent failure, and then no checkpoint is saved past it.
    func flush() throws(CDCError)

    /// Releases the sink after the final flush.
    func close() throws(CDCError)
}

extension RecordSink {
    /// A sink with nothing cheaper to do: the records go out with a flush.
    public func push() throws(CDCError) {
        try flush()
    }
}
