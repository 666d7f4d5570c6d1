import CDCCore
import Dispatch
import Synchronization

/// `--sink kafka://HOST:PORT[,HOST:PORT…]`: each record is one Kafka message (docs/kafka-sink.md).
///
/// - value: the record in the chosen format; key: its primary-key columns (the whole row without a primary key), so
///   the changes of one row stay in order in one partition;
/// - topic: from `--topic` per table; headers `op`, `key` (the de-duplication key), `gtid` (when the transaction has
///   one) and `position` (`file:pos` of the rows event);
/// - with `--tombstones`, a delete is followed by a tombstone: the same key, a null value, `op` = `tombstone`.
///
/// Messages are produced on the sink's own producer thread, fed through a bounded hand-off (`BoundedHandOff`), so
/// the pipeline's thread only queues batches; `write` blocks while the hand-off is full (backpressure), `flush`
/// returns once every message so far is acknowledged by all in-sync replicas. The producer is idempotent and never
/// times a message out, so an outage is waited out without loss, duplicates or reordering; a message the cluster
/// refuses for good makes `write`/`flush` throw `.sink`, naming the topic and the record.
///
/// With `--kafka-transactions` (`KafkaSinkConfiguration.transactions`), `flush` commits a Kafka transaction
/// holding whole source transactions and a checkpoint message instead (`KafkaBatchProducer`).
public final class KafkaSink: RecordSink {
    /// What the producer thread is given, in order.
    private enum Work: @unchecked Sendable {
        case batch(RecordBatch)
        /// Flush, then signal.
        case flush(DispatchSemaphore)
        /// Stop the thread, then signal.
        case stop(DispatchSemaphore)
    }

    /// What the producer thread tells the pipeline's.
    private struct Shared {
        var failure: CDCError?
        var delivered = 0
        var committed: KafkaCheckpoint?
    }

    /// `Shared` behind a lock, one instance for both threads.
    private final class SharedBox: Sendable {
        let mutex = Mutex(Shared())

        func withLock<Result>(_ body: (inout Shared) -> Result) -> Result {
            mutex.withLock { body(&$0) }
        }
    }

    public let configuration: KafkaSinkConfiguration
    private let producer: KafkaProducer
    private let handOff = BoundedHandOff<Work>(capacity: 2)
    private let shared = SharedBox()
    private var running = false

    /// Creates the producer and starts its thread. With transactions: registers the transactional id (fencing an
    /// earlier instance) and reads the last committed checkpoint, waiting while the brokers are unreachable.
    public init(_ configuration: KafkaSinkConfiguration, log: @escaping (String) -> Void) throws(CDCError) {
        self.configuration = configuration
        self.producer = try KafkaProducer(properties: configuration.effectiveProperties, log: log)
        try producer.checkBrokers(timeout: .seconds(10))
        var resumeAfter: KafkaCheckpoint?
        if let transactions = configuration.transactions {
            try producer.initTransactions()
            resumeAfter = try KafkaCheckpointReader.read(
                configuration: configuration, topic: transactions.checkpointTopic,
                key: transactions.transactionalID, log: log)
            if let resumeAfter {
                log(
                    "kafka: the last committed checkpoint of \(transactions.transactionalID) is record "
                        + "\(resumeAfter.description): records up to it are not produced again")
            }
        }
        shared.withLock { $0.committed = resumeAfter }
        let worker = KafkaBatchProducer(configuration: configuration, producer: producer, resumeAfter: resumeAfter)
        let thread = ProducerThread(worker: worker, handOff: handOff, shared: shared)
        running = true
        DispatchQueue(label: "binlog-sink.kafka-producer").async { thread.run() }
    }

    deinit {
        stopThread()
        producer.close()
    }

    public var description: String { "kafka://\(configuration.bootstrapServers)" }

    public var wantsKeys: Bool { true }

    /// Messages queued whose acknowledgement has not arrived yet (librdkafka's count).
    public var outstandingMessages: Int { producer.queueLength }

    /// Messages acknowledged, as of the last flush.
    public var deliveredMessages: Int { shared.withLock { $0.delivered } }

    /// With transactions: the checkpoint of the last committed Kafka transaction (or the one read at start).
    public var committedCheckpoint: KafkaCheckpoint? { shared.withLock { $0.committed } }

    /// The librdkafka the process runs with.
    public static var librdkafkaVersion: String { KafkaProducer.runtimeVersion }

    public func write(_ batch: RecordBatch) throws(CDCError) {
        if let failure = shared.withLock({ $0.failure }) { throw failure }
        try Self.validate(batch)
        guard running else { throw CDCError(.sink, "kafka: the sink is closed") }
        handOff.put(.batch(batch))
    }

    /// Nothing to do: the producer thread produces each batch as it arrives and librdkafka sends it within
    /// `linger.ms`. (With `--kafka-transactions` records become visible when `flush` commits, at the checkpoint.)
    public func push() throws(CDCError) {
        if let failure = shared.withLock({ $0.failure }) { throw failure }
        guard running else { throw CDCError(.sink, "kafka: the sink is closed") }
    }

    public func flush() throws(CDCError) {
        guard running else {
            if let failure = shared.withLock({ $0.failure }) { throw failure }
            throw CDCError(.sink, "kafka: the sink is closed")
        }
        let done = DispatchSemaphore(value: 0)
        handOff.put(.flush(done))
        done.wait()
        if let failure = shared.withLock({ $0.failure }) { throw failure }
    }

    public func close() throws(CDCError) {
        stopThread()
        producer.close()
    }

    private func stopThread() {
        guard running else { return }
        running = false
        // A close without a flush (after an error elsewhere): a wait for the brokers ends now.
        producer.cancel()
        let done = DispatchSemaphore(value: 0)
        handOff.put(.stop(done))
        done.wait()
    }

    /// Every record's table, origin and byte ranges lie inside the batch.
    private static func validate(_ batch: RecordBatch) throws(CDCError) {
        let tables = batch.tables.count
        let origins = batch.origins.count
        let keys = batch.keys.count
        let values = batch.values.count
        for record in batch.records {
            guard record.table >= 0, record.table < tables, record.origin >= 0, record.origin < origins,
                record.key.lowerBound >= 0, record.key.upperBound <= keys, record.value.lowerBound >= 0,
                record.value.upperBound <= values
            else {
                throw CDCError(.sink, "kafka: a record of the batch names a table, origin or bytes the batch lacks")
            }
        }
    }

    /// The producer thread's loop: produces batches, serves librdkafka's events while idle, flushes on request.
    private final class ProducerThread: @unchecked Sendable {
        let worker: KafkaBatchProducer
        let handOff: BoundedHandOff<Work>
        let shared: SharedBox

        init(worker: KafkaBatchProducer, handOff: BoundedHandOff<Work>, shared: SharedBox) {
            self.worker = worker
            self.handOff = handOff
            self.shared = shared
        }

        func run() {
            var failed = false
            while true {
                guard let work = handOff.take(timeout: .milliseconds(100)) else {
                    if !failed { worker.producer.poll(timeoutMilliseconds: 0) }
                    if !failed, let failure = worker.producer.failure { fail(failure, &failed) }
                    continue
                }
                switch work {
                case .batch(let batch):
                    guard !failed else { continue }
                    do throws(CDCError) {
                        try worker.write(batch)
                    } catch {
                        fail(error, &failed)
                    }
                case .flush(let done):
                    if !failed {
                        do throws(CDCError) {
                            try worker.flush()
                            let delivered = worker.producer.produced - worker.producer.failed
                            let committed = worker.committed
                            shared.withLock {
                                $0.delivered = delivered
                                $0.committed = committed
                            }
                        } catch {
                            fail(error, &failed)
                        }
                    }
                    done.signal()
                case .stop(let done):
                    done.signal()
                    return
                }
            }
        }

        private func fail(_ error: CDCError, _ failed: inout Bool) {
            failed = true
            worker.producer.fail(error)
            shared.withLock { if $0.failure == nil { $0.failure = error } }
        }
    }
}
