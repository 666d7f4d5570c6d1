import Foundation

/// Table-level DDL that changes a table's content without any row event: TRUNCATE, DROP, RENAME. Read from the
/// QUERY events of `binlog-sink parse --events` so that a replay of the records can follow it.
enum TableDDL: Equatable, CustomStringConvertible {
    case truncate(String)
    case drop([String])
    /// (old `db.table`, new `db.table`) pairs, applied in order.
    case rename([RenamePair])

    struct RenamePair: Equatable {
        var from: String
        var to: String
    }

    var description: String {
        switch self {
        case .truncate(let table): return "TRUNCATE \(table)"
        case .drop(let tables): return "DROP \(tables.joined(separator: ", "))"
        case .rename(let pairs): return "RENAME " + pairs.map { "\($0.from) TO \($0.to)" }.joined(separator: ", ")
        }
    }

    /// Parses a statement; nil when it is not one of the three (or names no table). Unqualified names take
    /// `defaultDatabase` (the QUERY event's current database).
    static func parse(_ query: String, defaultDatabase: String?) -> TableDDL? {
        let words = tokens(query)
        guard let first = words.first?.uppercased() else { return nil }
        func qualified(_ name: String) -> String? {
            if name.contains(".") { return name }
            return defaultDatabase.map { "\($0).\(name)" }
        }
        switch first {
        case "TRUNCATE":
            var rest = words.dropFirst()
            if rest.first?.uppercased() == "TABLE" { rest = rest.dropFirst() }
            return rest.first.flatMap(qualified).map(TableDDL.truncate)
        case "DROP":
            var rest = words.dropFirst()
            if rest.first?.uppercased() == "TEMPORARY" { return nil }
            guard rest.first?.uppercased() == "TABLE" else { return nil }
            rest = rest.dropFirst()
            if rest.first?.uppercased() == "IF", rest.dropFirst().first?.uppercased() == "EXISTS" {
                rest = rest.dropFirst(2)
            }
            let names = rest.prefix { !["RESTRICT", "CASCADE"].contains($0.uppercased()) }.filter { $0 != "," }
                .compactMap(qualified)
            return names.isEmpty ? nil : .drop(names)
        case "RENAME":
            guard words.dropFirst().first?.uppercased() == "TABLE" else { return nil }
            let rest = Array(words.dropFirst(2)).filter { $0 != "," }
            var pairs: [RenamePair] = []
            var index = 0
            while index + 2 < rest.count, rest[index + 1].uppercased() == "TO" {
                guard let from = qualified(rest[index]), let to = qualified(rest[index + 2]) else { return nil }
                pairs.append(RenamePair(from: from, to: to))
                index += 3
            }
            return pairs.isEmpty ? nil : .rename(pairs)
        default:
            return nil
        }
    }

    func apply(to replayer: inout RecordReplayer) {
        switch self {
        case .truncate(let table): replayer.truncate(table)
        case .drop(let tables): tables.forEach { replayer.drop($0) }
        case .rename(let pairs): pairs.forEach { replayer.rename($0.from, to: $0.to) }
        }
    }

    /// Words of a statement: comments dropped, backquotes removed (`db`.`t` → db.t), commas as their own token.
    private static func tokens(_ query: String) -> [String] {
        var cleaned = ""
        var index = query.startIndex
        while index < query.endIndex {
            if query[index...].hasPrefix("/*"), let end = query[index...].range(of: "*/") {
                cleaned.append(" ")
                index = end.upperBound
                continue
            }
            let character = query[index]
            if character == "`" {
                // keep the name, drop the quotes
            } else if character == "," {
                cleaned.append(" , ")
            } else if character == ";" {
                cleaned.append(" ")
            } else {
                cleaned.append(character)
            }
            index = query.index(after: index)
        }
        return cleaned.split(whereSeparator: \.isWhitespace).map(String.init)
    }
}
