import CDCCore

/// `--topic`: the topic of each table, from a template where `{db}` and `{table}` stand for its names.
///
/// Kafka topic names allow only ASCII letters, digits, `.`, `_` and `-` (at most 249 of them): any other character
/// of a database or table name becomes `_` (as Debezium does), so `shop.order$items` goes to `cdc.shop.order_items`.
public struct KafkaTopicTemplate: Sendable, Equatable {
    public static let standard = KafkaTopicTemplate(validated: "cdc.{db}.{table}")

    /// The longest topic name Kafka accepts.
    public static let maximumLength = 249

    public let template: String
    /// The template cut at its placeholders.
    private let parts: [Part]

    private enum Part: Sendable, Equatable {
        case text(String)
        case database
        case table
    }

    private init(validated template: String) {
        self.template = template
        self.parts = Self.split(template)
    }

    /// Checks the template: only `{db}` and `{table}` placeholders, and otherwise only characters a topic name
    /// may hold.
    public init(_ template: String) throws(CDCError) {
        let parts = Self.split(template)
        for case .text(let text) in parts {
            if let bad = text.first(where: { !Self.isLegal($0) }) {
                let what = bad == "{" || bad == "}" ? "an unknown placeholder (use {db} and {table})" : "'\(bad)'"
                throw CDCError(
                    .usage,
                    "--topic \(template): the template has \(what); topic names may hold ASCII letters, digits, '.', "
                        + "'_' and '-'")
            }
        }
        guard !template.isEmpty, template != ".", template != ".." else {
            throw CDCError(.usage, "--topic \(template): not a usable topic name template (e.g. cdc.{db}.{table})")
        }
        self.template = template
        self.parts = parts
    }

    /// The topic of a table; throws when it would be longer than Kafka allows.
    public func topic(database: String, table: String) throws(CDCError) -> String {
        var name = ""
        for part in parts {
            switch part {
            case .text(let text): name += text
            case .database: name += Self.sanitized(database)
            case .table: name += Self.sanitized(table)
            }
        }
        guard name.utf8.count <= Self.maximumLength else {
            throw CDCError(
                .usage,
                "--topic \(template): the topic of \(database).\(table) would be \(name.utf8.count) characters; "
                    + "Kafka allows at most \(Self.maximumLength): use a shorter template")
        }
        return name
    }

    private static func split(_ template: String) -> [Part] {
        var parts: [Part] = []
        var text = ""
        var rest = Substring(template)
        while let first = rest.first {
            if rest.hasPrefix("{db}") {
                parts.append(.text(text))
                parts.append(.database)
                text = ""
                rest = rest.dropFirst(4)
            } else if rest.hasPrefix("{table}") {
                parts.append(.text(text))
                parts.append(.table)
                text = ""
                rest = rest.dropFirst(7)
            } else {
                text.append(first)
                rest = rest.dropFirst()
            }
        }
        parts.append(.text(text))
        return parts
    }

    static func isLegal(_ character: Character) -> Bool {
        guard character.isASCII, let ascii = character.asciiValue else { return false }
        switch ascii {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    static func sanitized(_ name: String) -> String {
        String(name.map { isLegal($0) ? $0 : "_" })
    }
}
