import Foundation

/// Reads topics back with the `kcat` tool (a separate librdkafka client: it uses the same LD_LIBRARY_PATH).
enum Kcat {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Every message of a topic, from the beginning to its current end, ordered by partition then offset.
    /// `isolation`: librdkafka's `isolation.level` (its default is `read_committed`: messages of aborted and open
    /// transactions left out).
    static func consume(brokers: String, topic: String, isolation: String? = nil) throws -> [ConsumedMessage] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "kcat", "-b", brokers, "-C", "-t", topic, "-o", "beginning", "-e", "-J", "-q", "-m", "20",
                "-X", "topic.metadata.refresh.interval.ms=1000",
            ] + (isolation.map { ["-X", "isolation.level=\($0)"] } ?? [])
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "kcat -C -t \(topic) exited with \(process.terminationStatus): "
                    + String(decoding: errorData, as: UTF8.self))
        }
        let text = String(decoding: data, as: UTF8.self)
        var messages: [ConsumedMessage] = []
        for line in text.split(separator: "\n") where !line.isEmpty {
            guard let message = ConsumedMessage(json: line) else {
                throw Failure(description: "kcat printed a line that is not a message: \(line)")
            }
            messages.append(message)
        }
        return messages.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    }
}
