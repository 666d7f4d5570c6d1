import Foundation

/// A strict parser of the Prometheus text exposition format (0.0.4), for the metrics tests: every line must be a
/// `# HELP`, a `# TYPE` or a sample of a family whose TYPE came first; names, labels, escapes and values are
/// checked, and a series may appear only once.
struct PrometheusText {
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var types: [String: String] = [:]
    var samples: [Sample] = []

    init(_ text: String) throws {
        var seen = Set<String>()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let where_ = "line \(number + 1) `\(line)`"
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count >= 3, parts[0] == "#", parts[1] == "HELP" || parts[1] == "TYPE" else {
                    throw Failure(description: "\(where_): a comment must be # HELP or # TYPE")
                }
                let name = String(parts[2])
                guard Self.isName(name) else { throw Failure(description: "\(where_): bad metric name") }
                if parts[1] == "TYPE" {
                    guard parts.count == 4,
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[3]))
                    else { throw Failure(description: "\(where_): bad type") }
                    guard types[name] == nil else { throw Failure(description: "\(where_): TYPE given twice") }
                    types[name] = String(parts[3])
                }
                continue
            }
            let sample = try Self.sample(Substring(line), where_)
            let family = family(of: sample.name)
            guard let family else { throw Failure(description: "\(where_): sample before its # TYPE") }
            if types[family] == "counter" && sample.value < 0 {
                throw Failure(description: "\(where_): negative counter")
            }
            let series =
                sample.name
                + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ",")
            guard seen.insert(series).inserted else { throw Failure(description: "\(where_): duplicate series") }
            samples.append(sample)
        }
    }

    /// The family a sample belongs to (histogram samples carry _bucket, _sum, _count).
    func family(of name: String) -> String? {
        if types[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return nil
    }

    func values(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || first == ":" || first.properties.isAlphabetic
        else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0 == "_" || $0 == ":" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
    }

    static func sample(_ line: Substring, _ where_: String) throws -> Sample {
        var rest = line[...]
        let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard isName(name) else { throw Failure(description: "\(where_): bad metric name") }
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                guard let equals = rest.firstIndex(of: "=") else { throw Failure(description: "\(where_): label") }
                let label = String(rest[..<equals])
                guard isName(label), !label.contains(":") else {
                    throw Failure(description: "\(where_): bad label name")
                }
                rest = rest[rest.index(after: equals)...]
                guard rest.first == "\"" else { throw Failure(description: "\(where_): unquoted label value") }
                rest = rest.dropFirst()
                var value = ""
                while true {
                    guard let character = rest.first else {
                        throw Failure(description: "\(where_): unterminated label value")
                    }
                    rest = rest.dropFirst()
                    if character == "\"" { break }
                    if character == "\\" {
                        switch rest.first {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw Failure(description: "\(where_): bad escape")
                        }
                        rest = rest.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                guard labels.updateValue(value, forKey: label) == nil else {
                    throw Failure(description: "\(where_): label given twice")
                }
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw Failure(description: "\(where_): no space before the value") }
        let fields = rest.dropFirst().split(separator: " ")
        guard fields.count == 1 || fields.count == 2 else { throw Failure(description: "\(where_): value") }
        let text = String(fields[0])
        let value: Double
        switch text {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let parsed = Double(text) else { throw Failure(description: "\(where_): bad value") }
            value = parsed
        }
        return Sample(name: name, labels: labels, value: value)
    }
}
