import CDCCore
import CKafka
import CKafkaShims
import Synchronization

/// The one layer that calls librdkafka's producer: owns the handle, its main event queue and its topic handles, and
/// frees them in `close` (or `deinit`).
///
/// No C callback captures anything: failed deliveries (only those: `delivery.report.only.error`), errors and
/// librdkafka's log arrive as events on the main queue, which `poll` serves on the caller's thread. One thread at a
/// time uses an instance (the sink's producer thread), so it needs no locking and is not `Sendable`.
final class KafkaProducer {
    /// How long one wait for events lasts while blocking (backpressure, flush).
    static let pollMilliseconds: Int32 = 100
    /// How long one wait lasts while librdkafka's queue is full.
    static let queueFullPollMilliseconds: Int32 = 2

    private var handle: OpaquePointer?
    private var queue: OpaquePointer?
    private var topicHandles: [String: OpaquePointer] = [:]
    private let log: (String) -> Void
    private var limiter = KafkaLogLimiter(interval: .seconds(10))
    /// `rd_kafka_outq_len` when last looked at: a drop after logged trouble means the brokers answer again.
    private var lastQueueLength: Int32 = 0

    /// Messages accepted by `produce`.
    private(set) var produced = 0
    /// Messages whose delivery failed (reported by librdkafka).
    private(set) var failed = 0
    /// The first permanent failure: a refused message or a fatal producer error. Once set, the producer is done.
    private(set) var failure: CDCError? {
        get { cancelled.load(ordering: .relaxed) ? (storedFailure ?? Self.closed) : storedFailure }
        set { storedFailure = newValue }
    }
    private var storedFailure: CDCError?
    /// Error events served so far (connection failures included).
    private var brokerErrors = 0
    /// librdkafka's bound on the bytes of queued messages (`queue.buffering.max.kbytes`).
    private var queueMaxBytes: Int?
    /// Between `beginTransaction` and the commit or abort.
    private var inTransaction = false
    /// Set from another thread by `cancel`: every wait ends with an error.
    private let cancelled = Atomic<Bool>(false)
    private static let closed = CDCError(.sink, "kafka: the sink was closed before its messages were acknowledged")

    /// Creates the producer. Nothing connects yet: librdkafka connects in the background and retries, so an
    /// unreachable broker is no error here.
    init(properties: [(name: String, value: String)], log: @escaping (String) -> Void) throws(CDCError) {
        self.log = log
        guard let conf = rd_kafka_conf_new() else {
            throw CDCError(.sink, "kafka: librdkafka could not allocate a configuration")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in properties {
            let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                // librdkafka's message names the property and what it accepts, never echoes a secret's value.
                throw CDCError(
                    .usage, "--kafka-property \(name): \(Self.text(errorText)) (see librdkafka's CONFIGURATION.md)")
            }
        }
        rd_kafka_conf_set_events(conf, RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw CDCError(.usage, "kafka: the producer settings are not usable: \(Self.text(errorText))")
        }
        self.handle = handle
        queueMaxBytes = property("queue.buffering.max.kbytes").flatMap { Int($0) }.map { $0 * 1024 }
        let queue = rd_kafka_queue_get_main(handle)
        self.queue = queue
        rd_kafka_set_log_queue(handle, queue)
    }

    deinit {
        close()
    }

    /// Asks the cluster for metadata until a broker answers or `timeout` passes: a broker that refuses the TLS
    /// certificate or the SASL login (`KafkaRefusal`) fails the start at once instead of leaving the run waiting
    /// forever. After the first other error (a broker down) it goes on for `grace` only, for a refusal from another
    /// broker; brokers that are only unreachable are waited out later, as always.
    func checkBrokers(timeout: Duration, grace: Duration = .seconds(2)) throws(CDCError) {
        guard let handle else { throw CDCError(.sink, "kafka: the producer is closed") }
        let clock = ContinuousClock()
        var deadline = clock.now + timeout
        let errorsBefore = brokerErrors
        var sawError = false
        while clock.now < deadline {
            var metadata: UnsafePointer<rd_kafka_metadata_t>?
            let result = rd_kafka_metadata(handle, 0, nil, &metadata, 500)
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            poll(timeoutMilliseconds: 0)
            if let failure { throw failure }
            if result == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            if !sawError && brokerErrors > errorsBefore {
                sawError = true
                deadline = min(deadline, clock.now + grace)
            }
        }
        if !sawError { log("kafka: no broker answered within \(timeout); the records wait for them") }
    }

    /// The version of the librdkafka the process runs with (LD_LIBRARY_PATH may pick another than Debian's).
    static var runtimeVersion: String { String(cString: rd_kafka_version_str()) }

    /// Messages produced whose delivery has not finished yet (plus events not served yet): librdkafka's count.
    var queueLength: Int {
        guard let handle else { return 0 }
        return Int(rd_kafka_outq_len(handle))
    }

    /// The handle of a topic, created on first use.
    func topic(_ name: String) throws(CDCError) -> OpaquePointer {
        if let topic = topicHandles[name] { return topic }
        guard let handle, let topic = rd_kafka_topic_new(handle, name, nil) else {
            throw CDCError(.sink, "kafka: topic \(name): \(Self.errorDescription(rd_kafka_last_error()))")
        }
        topicHandles[name] = topic
        return topic
    }

    /// Queues one change record (bytes copied): `header` holds the `key` header's bytes, of which the first
    /// `positionCount` are the `position` header's. Waits, serving events, while librdkafka's queue is full
    /// (backpressure: the brokers are slow or down). Throws for a message librdkafka refuses outright (too large,
    /// …) and once a permanent failure is known.
    func produce(
        topic: OpaquePointer, topicName: String, value: UnsafeRawBufferPointer?, key: UnsafeRawBufferPointer?,
        op: StaticString, header: UnsafeRawBufferPointer, positionCount: Int, gtid: UnsafeRawBufferPointer?,
        table: () -> String = { "" }
    ) throws(CDCError) {
        guard let handle else { throw CDCError(.sink, "kafka: the producer is closed") }
        if let failure { throw failure }
        var waitingSince: ContinuousClock.Instant?
        while true {
            let result = op.withUTF8Buffer { opBytes in
                opBytes.withMemoryRebound(to: CChar.self) { opText in
                    ckafka_produce_record(
                        handle, topic, value?.baseAddress, value?.count ?? 0, key?.baseAddress, key?.count ?? 0,
                        opText.baseAddress, header.baseAddress, header.count, gtid?.baseAddress, gtid?.count ?? 0,
                        header.baseAddress, positionCount)
                }
            }
            if result == RD_KAFKA_RESP_ERR_NO_ERROR {
                produced += 1
                return
            }
            if result == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE {
                throw tooLarge(
                    topicName: topicName, record: String(decoding: header, as: UTF8.self), table: table(),
                    value: value?.count ?? 0, key: key?.count ?? 0)
            }
            if result == RD_KAFKA_RESP_ERR__QUEUE_FULL, let queueLimit = queueMaxBytes,
                (value?.count ?? 0) + (key?.count ?? 0) > queueLimit
            {
                // Larger than the whole queue: it would never fit, however long we waited.
                throw CDCError(
                    .sink,
                    "kafka: topic \(topicName): record \(String(decoding: header, as: UTF8.self)) of \(table()) is "
                        + "\((value?.count ?? 0) + (key?.count ?? 0)) bytes, more than the producer queue holds "
                        + "(queue.buffering.max.kbytes \(queueLimit / 1024)): raise it with --kafka-property "
                        + "queue.buffering.max.kbytes=\(((value?.count ?? 0) + (key?.count ?? 0)) / 1024 + 1024) "
                        + "(or leave it unset: it follows message.max.bytes). Nothing from this record on is "
                        + "checkpointed")
            }
            try waitOrThrow(
                result, since: &waitingSince,
                refused: { String(decoding: header, as: UTF8.self) }, topicName: topicName)
        }
    }

    /// Queues a message with headers given as a list (the checkpoint message), waiting while the queue is full.
    func produce(
        topic: OpaquePointer, topicName: String, value: [UInt8], key: [UInt8], headers: [(String, String)]
    ) throws(CDCError) {
        guard let handle else { throw CDCError(.sink, "kafka: the producer is closed") }
        if let failure { throw failure }
        var waitingSince: ContinuousClock.Instant?
        while true {
            let list = rd_kafka_headers_new(headers.count)
            for (name, text) in headers {
                var bytes = Array(text.utf8)
                _ = rd_kafka_header_add(list, name, -1, &bytes, bytes.count)
            }
            let result = value.withUnsafeBytes { value in
                key.withUnsafeBytes { key in
                    ckafka_produce(handle, topic, value.baseAddress, value.count, key.baseAddress, key.count, list)
                }
            }
            if result == RD_KAFKA_RESP_ERR_NO_ERROR {
                produced += 1
                return
            }
            rd_kafka_headers_destroy(list)
            try waitOrThrow(result, since: &waitingSince, refused: { "checkpoint" }, topicName: topicName)
        }
    }

    /// A record over the producer's `message.max.bytes`, which librdkafka refuses before sending it. Not raised
    /// automatically: the broker (its `message.max.bytes`, the topic's `max.message.bytes`) and the consumers
    /// (`fetch.max.bytes`, `max.partition.fetch.bytes`) have limits of their own that the producer cannot see, so
    /// the setting is the user's, as with Kafka Connect (`producer.override.max.request.size`).
    private func tooLarge(topicName: String, record: String, table: String, value: Int, key: Int) -> CDCError {
        let limit = property("message.max.bytes") ?? "1000000"
        // Room for the record batch's framing and the headers, rounded up to a MiB.
        let suggested = ((value + key + (64 << 10)) + (1 << 20) - 1) / (1 << 20) * (1 << 20)
        let of = table.isEmpty ? "" : " of \(table)"
        return CDCError(
            .sink,
            "kafka: topic \(topicName): record \(record)\(of) is \(value + key) bytes (value \(value), key \(key)), "
                + "more than the producer's message.max.bytes (\(limit)), so librdkafka refused it "
                + "(MSG_SIZE_TOO_LARGE). Raise the limit with --kafka-property message.max.bytes=\(suggested) "
                + "(at most 1000000000), and the broker's message.max.bytes (or the topic's max.message.bytes) and "
                + "the consumers' fetch.max.bytes and max.partition.fetch.bytes to match; or leave the column out "
                + "(--exclude-column). Nothing from this record on is checkpointed")
    }

    /// A producer property as librdkafka holds it (nil when unknown).
    private func property(_ name: String) -> String? {
        guard let handle, let conf = rd_kafka_conf(handle) else { return nil }
        var text = [CChar](repeating: 0, count: 64)
        var size = text.count
        guard rd_kafka_conf_get(conf, name, &text, &size) == RD_KAFKA_CONF_OK else { return nil }
        return Self.text(text)
    }

    /// After a produce call failed with `result`: waits (serving events) when librdkafka's queue is full, throws
    /// otherwise.
    private func waitOrThrow(
        _ result: rd_kafka_resp_err_t, since waitingSince: inout ContinuousClock.Instant?, refused: () -> String,
        topicName: String
    ) throws(CDCError) {
        guard result == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
            if result == RD_KAFKA_RESP_ERR__FATAL { throw fatalFailure() }
            if result == RD_KAFKA_RESP_ERR__STATE, inTransaction {
                // The transaction failed (a refused AddPartitionsToTxn, …): committing it names the cause (and
                // aborts it).
                try commitTransaction()
            }
            throw CDCError(
                .sink,
                "kafka: topic \(topicName): record \(refused()) was refused: \(Self.errorDescription(result)); "
                    + "nothing from it on is checkpointed")
        }
        let started = waitingSince ?? ContinuousClock.now
        waitingSince = started
        // Successful deliveries send no event (delivery.report.only.error), so nothing would end a long wait early:
        // look again soon.
        poll(timeoutMilliseconds: Self.queueFullPollMilliseconds)
        if let failure { throw failure }
        if ContinuousClock.now - started > .seconds(2),
            let line = limiter.admit(
                "queue-full",
                "kafka: the producer queue is full (\(queueLength) messages not yet acknowledged); waiting for "
                    + "the brokers")
        {
            log(line)
        }
    }

    /// Serves the events librdkafka has queued: failed deliveries, errors, its log. Waits up to the timeout for the
    /// first one, then takes whatever else is there without waiting.
    func poll(timeoutMilliseconds: Int32) {
        guard let queue else { return }
        var timeout = timeoutMilliseconds
        while let event = rd_kafka_queue_poll(queue, timeout) {
            serve(event)
            rd_kafka_event_destroy(event)
            timeout = 0
        }
        noteProgress()
    }

    /// Blocks until every message produced so far is acknowledged (acks=all) or failed, then throws the first
    /// permanent failure. Logs (rate-limited) while it waits.
    ///
    /// `rd_kafka_flush` does the waiting: with delivery reports as events (RD_KAFKA_EVENT_DR) it does not serve the
    /// event queue but returns as soon as librdkafka holds no message, and it sends what lingers (`linger.ms`) at
    /// once. (Waiting in `poll` instead slept its whole timeout: successful deliveries send no event to end it early,
    /// so every checkpoint stalled the producer for 100 ms.) A failed delivery keeps its message counted until its
    /// event is served, so the wait is bounded and the events are served between waits.
    func flush() throws(CDCError) {
        let started = ContinuousClock.now
        while queueLength > 0 {
            if let failure { throw failure }
            if let handle { _ = rd_kafka_flush(handle, Self.pollMilliseconds) }
            poll(timeoutMilliseconds: 0)
            if ContinuousClock.now - started > .seconds(10),
                let line = limiter.admit(
                    "flush", "kafka: waiting for the brokers to acknowledge \(queueLength) messages (flush)")
            {
                log(line)
            }
        }
        if let failure { throw failure }
    }

    /// Records a failure found outside librdkafka's events (a transaction call): the producer is done.
    func fail(_ error: CDCError) {
        if failure == nil { failure = error }
    }

    /// Ends any wait of the thread using the producer (a close while the brokers are unreachable). Any thread.
    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    /// Drops what is not delivered (after a failure, or a close without flush) and frees the handles.
    func close() {
        guard let handle else { return }
        if rd_kafka_outq_len(handle) > 0 {
            rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
            poll(timeoutMilliseconds: 0)
        }
        for topic in topicHandles.values {
            rd_kafka_topic_destroy(topic)
        }
        topicHandles.removeAll()
        if let queue { rd_kafka_queue_destroy(queue) }
        queue = nil
        rd_kafka_destroy(handle)
        self.handle = nil
    }

    // MARK: transactions

    /// `rd_kafka_init_transactions`: registers the transactional id, fencing any earlier producer with it and
    /// aborting (or completing) the transaction it left open. Retries while the brokers are unreachable.
    func initTransactions() throws(CDCError) {
        try retrying("initializing transactions") { handle in rd_kafka_init_transactions(handle, 10_000) }
    }

    func beginTransaction() throws(CDCError) {
        try retrying("beginning a transaction") { handle in rd_kafka_begin_transaction(handle) }
        inTransaction = true
    }

    /// Flushes and commits the open transaction; throws (after aborting it when needed) for anything that is not a
    /// passing timeout.
    func commitTransaction() throws(CDCError) {
        inTransaction = false
        try retrying("committing a transaction") { handle in rd_kafka_commit_transaction(handle, 10_000) }
    }

    func abortTransaction() {
        inTransaction = false
        guard let handle else { return }
        if let error = rd_kafka_abort_transaction(handle, 10_000) {
            rd_kafka_error_destroy(error)
        }
    }

    /// Runs a transaction call until it succeeds; a retriable error is logged (rate-limited) and retried, one that
    /// needs an abort aborts the transaction and throws, a fatal one (fenced: another producer took the
    /// transactional id) throws.
    private func retrying(
        _ what: String, _ call: (OpaquePointer) -> OpaquePointer?
    ) throws(CDCError) {
        while true {
            guard let handle else { throw CDCError(.sink, "kafka: the producer is closed") }
            if let failure { throw failure }
            guard let error = call(handle) else { return }
            defer { rd_kafka_error_destroy(error) }
            let text = String(cString: rd_kafka_error_string(error))
            let name = String(cString: rd_kafka_error_name(error))
            if rd_kafka_error_is_fatal(error) != 0 {
                let failure = fatalFailure()
                fail(failure)
                throw failure
            }
            if rd_kafka_error_txn_requires_abort(error) != 0 {
                abortTransaction()
                let failure = CDCError(
                    .sink,
                    "kafka: \(what) failed: \(text) (\(name)); the Kafka transaction was aborted, the run stops and "
                        + "nothing past the last committed transaction is checkpointed (restart to resume from it)")
                fail(failure)
                throw failure
            }
            if rd_kafka_error_is_retriable(error) != 0 {
                if let line = limiter.admit("txn:\(name)", "kafka: \(what): \(text) (\(name)); retrying") {
                    log(line)
                }
                poll(timeoutMilliseconds: Self.pollMilliseconds)
                continue
            }
            let failure = CDCError(
                .sink,
                "kafka: \(what) failed: \(text) (\(name)); nothing past the last committed transaction is "
                    + "checkpointed")
            fail(failure)
            throw failure
        }
    }

    // MARK: events

    private func serve(_ event: OpaquePointer) {
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_DR:
            while let message = rd_kafka_event_message_next(event) {
                report(message)
            }
        case RD_KAFKA_EVENT_ERROR:
            let code = rd_kafka_event_error(event)
            if rd_kafka_event_error_is_fatal(event) != 0 {
                if failure == nil { failure = fatalFailure() }
                return
            }
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            let name = String(cString: rd_kafka_err2name(code))
            brokerErrors += 1
            if let refusal = KafkaRefusal(code: code, text: text) {
                if failure == nil { failure = refusal.error }
                return
            }
            if let line = limiter.admit("error:\(name)", "kafka: \(text) (\(name)); retrying") {
                log(line)
            }
        case RD_KAFKA_EVENT_LOG:
            var facility: UnsafePointer<CChar>?
            var message: UnsafePointer<CChar>?
            var level: Int32 = 7
            guard rd_kafka_event_log(event, &facility, &message, &level) == 0 else { return }
            let facilityText = facility.map { String(cString: $0) } ?? ""
            // Connection failures (FAIL) repeat what the error events say.
            guard level <= 4, facilityText != "FAIL" else { return }
            let text = message.map { String(cString: $0) } ?? ""
            if let line = limiter.admit("log:\(facilityText)", "kafka: librdkafka \(facilityText): \(text)") {
                log(line)
            }
        default:
            break
        }
    }

    /// After logged trouble, a shorter queue means the brokers acknowledge again: say so once.
    private func noteProgress() {
        let length = handle.map { rd_kafka_outq_len($0) } ?? 0
        if length < lastQueueLength, !limiter.isEmpty {
            log("kafka: the brokers acknowledge messages again")
            limiter.reset()
        }
        lastQueueLength = length
    }

    /// A delivery report: only failed deliveries are reported (`delivery.report.only.error`).
    private func report(_ message: UnsafePointer<rd_kafka_message_t>) {
        let code = message.pointee.err
        if code == RD_KAFKA_RESP_ERR_NO_ERROR { return }
        failed += 1
        if code == RD_KAFKA_RESP_ERR__PURGE_QUEUE || code == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT || failure != nil {
            return
        }
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        let record = Self.header("key", of: message) ?? "?"
        if code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE {
            // The producer accepted it (its message.max.bytes is large enough), the broker did not.
            failure = CDCError(
                .sink,
                "kafka: topic \(topic): the broker refused record \(record) of \(message.pointee.len + message.pointee.key_len) "
                    + "bytes as too large (\(Self.errorDescription(code))): raise the broker's message.max.bytes or "
                    + "the topic's max.message.bytes (and the consumers' fetch.max.bytes and "
                    + "max.partition.fetch.bytes) above it, then restart; nothing from it on is checkpointed")
            return
        }
        failure = CDCError(
            .sink,
            "kafka: topic \(topic): record \(record) was not delivered: \(Self.errorDescription(code)); the pipeline "
                + "stops and nothing from it on is checkpointed (fix the cause on the broker side, then restart)")
    }

    private func fatalFailure() -> CDCError {
        var text = [CChar](repeating: 0, count: 512)
        let code = handle.map { rd_kafka_fatal_error($0, &text, text.count) } ?? RD_KAFKA_RESP_ERR__FATAL
        return CDCError(
            .sink,
            "kafka: the producer failed for good: \(Self.text(text)) (\(String(cString: rd_kafka_err2name(code)))); "
                + "nothing past the last checkpoint is lost, restart to resume from it")
    }

    // MARK: helpers

    /// A header's value as text, from a delivery report or a consumed message.
    static func header(_ name: String, of message: UnsafePointer<rd_kafka_message_t>) -> String? {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else {
            return nil
        }
        var value: UnsafeRawPointer?
        var size = 0
        guard rd_kafka_header_get_last(headers, name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR, let value
        else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: value, count: size), as: UTF8.self)
    }

    /// "Broker: Topic authorization failed (TOPIC_AUTHORIZATION_FAILED)".
    static func errorDescription(_ code: rd_kafka_resp_err_t) -> String {
        "\(String(cString: rd_kafka_err2str(code))) (\(String(cString: rd_kafka_err2name(code))))"
    }

    /// A NUL-terminated C buffer as text.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
