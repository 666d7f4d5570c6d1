import CDCCore
import CKafka
import CKafkaShims

/// The one layer that calls librdkafka: owns the producer handle, its main event queue and its topic handles, and
/// frees them in `close` (or `deinit`).
///
/// No C callback captures anything: delivery reports, errors and librdkafka's log arrive as events on the main
/// queue, which `poll` serves on the caller's thread (the pipeline's sink thread). So this class needs no locking and
/// is not `Sendable`.
final class KafkaProducer {
    /// How long one wait for events lasts while blocking (backpressure, flush).
    static let pollMilliseconds: Int32 = 100

    private var handle: OpaquePointer?
    private var queue: OpaquePointer?
    private var topicHandles: [String: OpaquePointer] = [:]
    private let log: (String) -> Void
    private var limiter = KafkaLogLimiter(interval: .seconds(10))

    /// Messages accepted by `produce` whose delivery report has not arrived yet.
    private(set) var outstanding = 0
    /// Messages acknowledged by the brokers (acks=all) so far.
    private(set) var delivered = 0
    /// The first permanent failure: a refused message or a fatal producer error. Once set, the producer is done.
    private(set) var failure: CDCError?

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
        let queue = rd_kafka_queue_get_main(handle)
        self.queue = queue
        rd_kafka_set_log_queue(handle, queue)
    }

    deinit {
        close()
    }

    /// The version of the librdkafka the process runs with (LD_LIBRARY_PATH may pick another than Debian's).
    static var runtimeVersion: String { String(cString: rd_kafka_version_str()) }

    /// The handle of a topic, created on first use.
    func topic(_ name: String) throws(CDCError) -> OpaquePointer {
        if let topic = topicHandles[name] { return topic }
        guard let handle, let topic = rd_kafka_topic_new(handle, name, nil) else {
            throw CDCError(.sink, "kafka: topic \(name): \(Self.errorDescription(rd_kafka_last_error()))")
        }
        topicHandles[name] = topic
        return topic
    }

    /// Queues one message (bytes copied). Waits, serving delivery reports, while librdkafka's queue is full
    /// (backpressure: the brokers are slow or down). Throws for a message librdkafka refuses outright (too large,
    /// …) and once a permanent failure is known.
    func produce(
        topic: OpaquePointer, topicName: String, value: UnsafeRawBufferPointer?, key: UnsafeRawBufferPointer?,
        headers: KeyValuePairs<String, String>, record: String
    ) throws(CDCError) {
        guard let handle else { throw CDCError(.sink, "kafka: the producer is closed") }
        if let failure { throw failure }
        let list = rd_kafka_headers_new(headers.count)
        for (name, value) in headers {
            value.utf8CString.withUnsafeBufferPointer { bytes in
                _ = rd_kafka_header_add(list, name, -1, bytes.baseAddress, bytes.count - 1)
            }
        }
        var waitingSince: ContinuousClock.Instant?
        while true {
            let result = ckafka_produce(
                handle, topic, value?.baseAddress, value?.count ?? 0, key?.baseAddress, key?.count ?? 0, list)
            if result == RD_KAFKA_RESP_ERR_NO_ERROR {
                outstanding += 1
                return
            }
            guard result == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
                rd_kafka_headers_destroy(list)
                if result == RD_KAFKA_RESP_ERR__FATAL { throw fatalFailure() }
                throw CDCError(
                    .sink,
                    "kafka: topic \(topicName): record \(record) was refused: \(Self.errorDescription(result)); "
                        + "nothing from it on is checkpointed")
            }
            let started = waitingSince ?? ContinuousClock.now
            waitingSince = started
            poll(timeoutMilliseconds: Self.pollMilliseconds)
            if let failure {
                rd_kafka_headers_destroy(list)
                throw failure
            }
            if ContinuousClock.now - started > .seconds(2),
                let line = limiter.admit(
                    "queue-full",
                    "kafka: the producer queue is full (\(outstanding) messages not yet acknowledged); waiting for "
                        + "the brokers")
            {
                log(line)
            }
        }
    }

    /// Serves the events librdkafka has queued: delivery reports, errors, its log. Waits up to the timeout for the
    /// first one, then takes whatever else is there without waiting.
    func poll(timeoutMilliseconds: Int32) {
        guard let queue else { return }
        var timeout = timeoutMilliseconds
        while let event = rd_kafka_queue_poll(queue, timeout) {
            serve(event)
            rd_kafka_event_destroy(event)
            timeout = 0
        }
    }

    /// Blocks until every message produced so far is acknowledged, or throws the first permanent failure. Logs
    /// (rate-limited) while it waits.
    func flush() throws(CDCError) {
        let started = ContinuousClock.now
        while outstanding > 0 {
            if let failure { throw failure }
            poll(timeoutMilliseconds: Self.pollMilliseconds)
            if ContinuousClock.now - started > .seconds(10),
                let line = limiter.admit(
                    "flush", "kafka: waiting for the brokers to acknowledge \(outstanding) messages (flush)")
            {
                log(line)
            }
        }
        if let failure { throw failure }
    }

    /// Drops what is not delivered (after a failure, or a close without flush) and frees the handles.
    func close() {
        guard let handle else { return }
        if outstanding > 0 {
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

    private func report(_ message: UnsafePointer<rd_kafka_message_t>) {
        outstanding -= 1
        let code = message.pointee.err
        if code == RD_KAFKA_RESP_ERR_NO_ERROR {
            delivered += 1
            if !limiter.isEmpty {
                log("kafka: the brokers acknowledge messages again")
                limiter.reset()
            }
            return
        }
        if code == RD_KAFKA_RESP_ERR__PURGE_QUEUE || code == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT || failure != nil {
            return
        }
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        let record = Self.header("key", of: message) ?? "?"
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

    /// A header's value as text, from a delivery report.
    private static func header(_ name: String, of message: UnsafePointer<rd_kafka_message_t>) -> String? {
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
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
