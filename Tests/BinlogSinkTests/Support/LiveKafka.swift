import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The Kafka side of the live end-to-end tests: the Tansu broker scripts/test starts
/// (127.0.0.1:$BINLOG_SINK_TEST_KAFKA_PORT, LD_LIBRARY_PATH pointing at a librdkafka 2.x that can talk to it) and
/// `Support/kafka_consume.py`, which reads topics back with Python's confluent-kafka (and, for Avro, decodes with its
/// `AvroDeserializer` and `SchemaRegistryClient`).
enum LiveKafka {
    static let port: String? = ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_KAFKA_PORT"].flatMap {
        $0.isEmpty ? nil : $0
    }

    static var brokers: String { "127.0.0.1:\(port ?? "0")" }

    static let script = BinlogSinkCLI.packageRoot.appendingPathComponent(
        "Tests/BinlogSinkTests/Support/kafka_consume.py")

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Whether python3 can import what the consumer script needs (`avro`: also the schema registry client).
    static func pythonCanImport(avro: Bool) -> Bool {
        let modules =
            avro
            ? "confluent_kafka, confluent_kafka.schema_registry, confluent_kafka.schema_registry.avro"
            : "confluent_kafka"
        return (try? runPython(["-c", "import \(modules)"], timeout: 30).status) == 0
    }

    static let consumerReady: Bool = port != nil && pythonCanImport(avro: false)
    static let avroConsumerReady: Bool = port != nil && pythonCanImport(avro: true)

    static func runPython(_ arguments: [String], timeout: TimeInterval) throws -> BinlogSinkCLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw Failure(description: "python3 \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
        }
        process.waitUntilExit()
        return BinlogSinkCLI.Result(
            status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Every message of the topics named `prefix…`: waits until at least `expect` arrived (topics appearing meanwhile
    /// are picked up) and then nothing more for a second, or until `timeout` (then fewer come back). With
    /// `registry`, Avro keys and values are decoded through it.
    /// `brokers` and `properties` (librdkafka's, e.g. for TLS) override the suite's broker.
    static func consume(
        prefix: String, expect: Int = 0, timeout: TimeInterval = 30, registry: String? = nil,
        brokers: String? = nil, properties: [String] = []
    ) throws -> [LiveKafkaMessage] {
        var arguments = [
            script.path, "--brokers", brokers ?? Self.brokers, "--prefix", prefix, "--timeout", String(Int(timeout)),
        ]
        for property in properties { arguments += ["--property", property] }
        if expect > 0 { arguments += ["--expect", String(expect)] }
        if let registry { arguments += ["--registry", registry] }
        let result = try runPython(arguments, timeout: timeout + 30)
        // 2: the timeout passed before `expect` messages arrived; what did arrive is printed, and the caller's
        // checks name what is missing.
        guard result.status == 0 || result.status == 2 else {
            throw Failure(
                description:
                    "kafka_consume.py --prefix \(prefix) exited \(result.status): \(result.stderr.suffix(2000))")
        }
        return try JSONParser.parseLines(result.stdout).map(LiveKafkaMessage.init)
    }

    /// The pid of the Tansu broker listening on `port`: `$BINLOG_SINK_TEST_KAFKA_PID` when set, else found with
    /// `pgrep -f` on its command line (`tansu broker … --listener-url tcp://127.0.0.1:PORT`).
    static func brokerPID() -> pid_t? {
        if let text = ProcessInfo.processInfo.environment["BINLOG_SINK_TEST_KAFKA_PID"], let pid = pid_t(text) {
            return pid
        }
        guard let port else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pgrep", "-f", "tansu broker.*tcp://127.0.0.1:\(port)( |$)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let pids = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { pid_t($0) }
        return pids.count == 1 ? pids[0] : nil
    }

    /// A fresh topic prefix per run, so runs against one broker never read each other's topics.
    static func uniquePrefix(_ name: String) -> String {
        "bls.\(name).\(UUID().uuidString.prefix(8).lowercased())."
    }
}

/// One message read back by kafka_consume.py.
struct LiveKafkaMessage: Sendable {
    var topic: String
    var partition: Int
    var offset: Int
    var key: Data?
    /// nil for a tombstone.
    var value: Data?
    var headers: [String: String]
    /// Avro-decoded key and value (kafka_consume.py --registry), JSON-safe as the script describes.
    var keyAvro: JSONValue?
    var valueAvro: JSONValue?

    init(_ line: JSONValue) throws {
        guard let topic = line["topic"]?.stringValue, let partition = line["partition"]?.integerValue,
            let offset = line["offset"]?.integerValue, let headers = line["headers"]?.objectValue
        else {
            throw LiveKafka.Failure(description: "not a message line: \(line.abbreviated())")
        }
        self.topic = topic
        self.partition = Int(partition)
        self.offset = Int(offset)
        key = line["key"]?.stringValue.flatMap { Data(base64Encoded: $0) }
        value = line["value"]?.stringValue.flatMap { Data(base64Encoded: $0) }
        var names: [String: String] = [:]
        for (name, value) in headers.entries { names[name] = value.stringValue }
        self.headers = names
        keyAvro = line["key_avro"]
        valueAvro = line["value_avro"]
    }

    /// The value parsed as one JSON document (json and debezium formats).
    func jsonValue() throws -> JSONValue {
        guard let value else { throw LiveKafka.Failure(description: "\(topic)@\(offset): null value") }
        return try JSONParser.parse(bytes: Array(value))
    }

    func jsonKey() throws -> JSONValue {
        guard let key else { throw LiveKafka.Failure(description: "\(topic)@\(offset): no key") }
        return try JSONParser.parse(bytes: Array(key))
    }

    /// The value as a native record (json format).
    func record() throws -> BinlogRecord { try BinlogRecord(jsonValue()) }
}
