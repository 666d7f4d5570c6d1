import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Confluent-framed Avro messages decoded by a real consumer: `Support/redis_avro_decode.py` (Python confluent-kafka's
/// `AvroDeserializer` with a `SchemaRegistryClient` pointed at a registry), values made JSON-safe as
/// kafka_consume.py does (`{"$micros":…}`, `{"$days":…}`, `{"$decimal":…}`, `{"$bytes":…}`).
enum LiveAvroDecoder {
    static let script = BinlogSinkCLI.packageRoot.appendingPathComponent(
        "Tests/BinlogSinkTests/Support/redis_avro_decode.py")

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Whether python3 can import the deserializer and the schema registry client.
    static let ready: Bool = LiveKafka.pythonCanImport(avro: true)

    /// Each message decoded through the registry at `registry` (`http://HOST:PORT`), in order: the value, or
    /// `{"$error": why}` for a message the deserializer refused.
    static func decode(_ messages: [[UInt8]], registry: String, timeout: TimeInterval = 120) throws -> [JSONValue] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bls-avro-decode-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in")
        let output = directory.appendingPathComponent("out")
        let errors = directory.appendingPathComponent("err")
        try Data(messages.map { Data($0).base64EncodedString() + "\n" }.joined().utf8).write(to: input)
        try Data().write(to: output)
        try Data().write(to: errors)
        let stdin = try FileHandle(forReadingFrom: input)
        let stdout = try FileHandle(forWritingTo: output)
        let stderr = try FileHandle(forWritingTo: errors)
        defer {
            try? stdin.close()
            try? stdout.close()
            try? stderr.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--registry", registry]
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Failure(description: "redis_avro_decode.py did not finish in \(timeout) s")
        }
        let message = String(decoding: (try? Data(contentsOf: errors)) ?? Data(), as: UTF8.self)
        // 0: every message decoded; 3: some did not (their lines say why).
        guard process.terminationStatus == 0 || process.terminationStatus == 3 else {
            throw Failure(
                description: "redis_avro_decode.py exited \(process.terminationStatus): \(message.suffix(2000))")
        }
        let values = try JSONParser.parseLines(try Data(contentsOf: output))
        guard values.count == messages.count else {
            throw Failure(
                description:
                    "redis_avro_decode.py printed \(values.count) lines for \(messages.count) messages: \(message.suffix(2000))"
            )
        }
        return values
    }
}
