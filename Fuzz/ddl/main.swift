import BinlogDecoder
import CDCCore

/// libFuzzer target `ddl`: the input is a statement. `CreateTableParser` reads it, `LegacyTemporalHints` learns from
/// it and applies what it learned to a table map, and the statement's first line is used as a `--include` glob
/// against its second.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let table = CreateTableParser.parse(text) {
        var hints = LegacyTemporalHints()
        hints.observe(query: text, defaultDatabase: "db")
        let types: [ColumnType] = table.columns.map {
            switch $0.type {
            case "time": return .time
            case "datetime": return .dateTime
            case "timestamp": return .timestamp
            default: return .long
            }
        }
        if let map = FuzzTableMap.make(database: table.database ?? "db", table: table.name, types: types) {
            _ = hints.apply(to: map)?.columns.map(\.legacyFSP)
        }
    }
    let lines = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
    if lines.count >= 2 {
        let parts = lines[1].split(separator: ".", maxSplits: 1)
        let filter = TableFilter(includes: [String(lines[0])], excludes: [String(lines[0]) + "*"])
        _ = filter.accepts(database: String(parts.first ?? ""), table: String(parts.count > 1 ? parts[1] : ""))
    }
    return 0
}

/// A table map with the given column types, built the way the server writes one (TABLE_MAP_EVENT body).
enum FuzzTableMap {
    static func make(database: String, table: String, types: [ColumnType]) -> TableMap? {
        let db = Array(database.utf8.prefix(64))
        let name = Array(table.utf8.prefix(64))
        let count = min(types.count, 250)
        var body: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0]
        body += [UInt8(db.count)] + db + [0] + [UInt8(name.count)] + name + [0]
        body += [UInt8(count)] + types.prefix(count).map(\.rawValue) + [0]
        body += [UInt8](repeating: 0xff, count: (count + 7) / 8)
        let size = UInt32(19 + body.count)
        let header: [UInt8] = [
            0, 0, 0, 0, 19, 1, 0, 0, 0, UInt8(size & 0xff), UInt8(size >> 8 & 0xff),
            UInt8(size >> 16 & 0xff), 0, 0, 0, 0, 0, 0, 0,
        ]
        var decoder = EventDecoder(decompressor: nil)
        guard let event = try? decoder.decode(header + body, offset: 4), case .tableMap(let map) = event.body else {
            return nil
        }
        return map
    }
}
