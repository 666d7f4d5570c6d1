import BinlogDecoder
import CDCCore
import Foundation

/// Every row change of a real binlog file, decoded the way the pipeline does (table map → `TableRenderInfo` →
/// `RowCursor`), for checking output formats against each other on real data.
struct FixtureRowChanges {
    struct Change {
        var table: TableRenderInfo
        var operation: RecordRenderer.Operation
        var before: [ColumnValue]?
        var after: [ColumnValue]?
        var bytes: [UInt8]
        var side: [UInt8]
        var source: RecordRenderer.Source
    }

    var changes: [Change] = []
    /// One info per distinct table map (a new one after each DDL), in order of appearance.
    var tables: [TableRenderInfo] = []

    init(file relative: String, isMariaDB: Bool, prepare: (TableRenderInfo) throws -> Void = { _ in }) throws {
        let bytes = try Fixtures.bytes(relative)
        let name = Array((relative.split(separator: "/").last.map(String.init) ?? relative).utf8)
        var decoder = EventDecoder(decompressor: nil)
        var offset = 4
        var gtid: [UInt8]?
        while let header = EventHeader.parse(bytes, at: offset) {
            let size = Int(header.eventSize)
            guard size > 0, offset + size <= bytes.count else { break }
            let event = try decoder.decode(Array(bytes[offset..<(offset + size)]), offset: UInt64(offset))
            switch event.body {
            case .mariaGTID(let value): gtid = Array(value.gtid.description.utf8)
            case .rows(let rows):
                guard let map = decoder.tableMap(for: rows.tableID) else { break }
                let info: TableRenderInfo
                if let known = tables.first(where: { $0.map == map }) {
                    info = known
                } else {
                    info = TableRenderInfo(map: map)
                    try prepare(info)
                    tables.append(info)
                }
                var cursor = try RowCursor(event: rows, columns: map.columns, isMariaDB: isMariaDB)
                var before: [ColumnValue] = []
                var after: [ColumnValue] = []
                var row = 0
                while try cursor.next(before: &before, after: &after) {
                    let operation: RecordRenderer.Operation =
                        rows.kind == .write ? .insert : rows.kind == .update ? .update : .delete
                    changes.append(
                        Change(
                            table: info, operation: operation, before: rows.kind == .write ? nil : before,
                            after: rows.kind == .delete ? nil : after, bytes: rows.bytes, side: cursor.sideBytes,
                            source: RecordRenderer.Source(
                                serverID: header.serverID, file: name, position: UInt64(offset), row: row,
                                gtid: gtid, timestamp: header.timestamp)))
                    row += 1
                }
            default:
                break
            }
            offset += size
        }
    }
}
