import BinlogDecoder

/// Remembers, from the `CREATE TABLE` statements seen in the binlog, the fractional precision of columns that
/// MariaDB 5.3-format TIME/DATETIME/TIMESTAMP store without it in the table map, and fills it in.
///
/// A stop-gap the schema registry replaces: hints are dropped when a table is altered or dropped (the column
/// order may have changed), so a wrong precision is never guessed — such columns decode as fsp 0.
public struct LegacyTemporalHints: Sendable {
    private var tables: [String: [CreateTableParser.Column]] = [:]

    public init() {}

    public mutating func observe(query: String, defaultDatabase: String) {
        let head = query.prefix(64).lowercased()
        if head.hasPrefix("create") {
            guard let table = CreateTableParser.parse(query) else { return }
            tables[key(table.database ?? defaultDatabase, table.name)] = table.columns
        } else if head.hasPrefix("alter") || head.hasPrefix("drop") || head.hasPrefix("rename") {
            // The affected tables are named in the statement: drop every hint whose table name is one of its
            // identifiers (whole names, quoted or not — never a substring of another word).
            var names = Set<String>()
            for token in CreateTableParser.tokenize(Array(query.utf8)) {
                switch token {
                case .word(let text), .quoted(let text): names.insert(text.lowercased())
                default: break
                }
            }
            tables = tables.filter { entry in
                guard let dot = entry.key.firstIndex(of: ".") else { return true }
                return !names.contains(entry.key[entry.key.index(after: dot)...].lowercased())
            }
        }
    }

    /// The table map with `legacyFSP` filled in where a hint applies; nil when nothing changes.
    public func apply(to map: TableMap) -> TableMap? {
        let legacyTypes: Set<UInt8> = [
            ColumnType.time.rawValue, ColumnType.dateTime.rawValue, ColumnType.timestamp.rawValue,
        ]
        guard map.columns.contains(where: { legacyTypes.contains($0.type.rawValue) }),
            let columns = tables[key(map.database, map.table)], columns.count == map.columns.count
        else { return nil }
        var updated = map
        var changed = false
        for index in map.columns.indices where legacyTypes.contains(map.columns[index].type.rawValue) {
            let hint = columns[index]
            let matches: Bool
            switch map.columns[index].type.rawValue {
            case ColumnType.time.rawValue: matches = hint.type == "time"
            case ColumnType.dateTime.rawValue: matches = hint.type == "datetime"
            default: matches = hint.type == "timestamp"
            }
            guard matches else { return nil }
            let fsp = UInt8(min(6, hint.length ?? 0))
            updated.columns[index].legacyFSP = fsp
            changed = true
        }
        return changed ? updated : nil
    }

    private func key(_ database: String, _ table: String) -> String { "\(database).\(table)" }
}
