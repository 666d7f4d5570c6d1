import CDCCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--kafka-property-file FILE`: librdkafka properties, one `name=value` per line (blank lines and lines starting
/// with `#` are skipped, spaces around the name are trimmed, the value is kept as written), so that secrets such as
/// `sasl.password` or `ssl.key.password` stay out of the command line. Errors name the file and line, never a value.
public struct KafkaPropertyFile: Sendable {
    /// `name=value` texts in file order, as `--kafka-property` takes them.
    public let properties: [String]
    /// Set when others may read the file (it usually holds a password).
    public let warning: String?

    static let maxBytes = 1 << 20

    public init(path: String) throws(CDCError) {
        guard let file = fopen(path, "rb") else {
            let reason = String(cString: strerror(errno))
            throw CDCError(.usage, "--kafka-property-file \(path): cannot read it (\(reason))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > Self.maxBytes {
                throw CDCError(.usage, "--kafka-property-file \(path): larger than 1 MiB, is it the right file?")
            }
        }
        properties = try Self.parse(String(decoding: bytes, as: UTF8.self), path: path)
        var status = stat()
        if fstat(fileno(file), &status) == 0, status.st_mode & 0o044 != 0 {
            warning =
                "kafka: warning: --kafka-property-file \(path) is readable by other users; it may hold a password: "
                + "chmod 600 it"
        } else {
            warning = nil
        }
    }

    static func parse(_ text: String, path: String) throws(CDCError) -> [String] {
        var result: [String] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            // (\r\n is one Character: isNewline splits it whole.)
            let trimmed = rawLine.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw CDCError(
                    .usage,
                    "--kafka-property-file \(path) line \(index + 1): expected name=value (the value is not shown)")
            }
            let name = trimmed[..<equals].trimmingSpaces()
            guard !name.isEmpty else {
                throw CDCError(.usage, "--kafka-property-file \(path) line \(index + 1): a property name is missing")
            }
            result.append(name + "=" + trimmed[trimmed.index(after: equals)...])
        }
        return result
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
