import BinlogDecoder
import Foundation

/// Just enough of a binlog reader to pull the JSON column values out of the MySQL fixtures
/// `mysql/json-opaque.binlog` and `mysql/json.binlog.000001` for the JSON decoder tests, independent of the
/// project's own event decoder. Knows the column types those two tables use: INT (3), VARCHAR (15), JSON (245).
enum JSONFixtureBinlog {
    struct Event {
        /// 1-based index in the file, as INDEX.md counts events.
        var index: Int
        var type: UInt8
        /// The event body: after the 19-byte header, without the 4-byte CRC32 (both fixtures use CRC32).
        var body: Range<Int>
    }

    struct Table {
        var types: [UInt8]
        var metas: [Int]
        var jsonColumnCount: Int { types.filter { $0 == 245 }.count }
    }

    enum Cell: Equatable {
        case null
        case int(Int32)
        case text(String)
        case json(Range<Int>)
    }

    struct Row {
        var before: [Cell?]?
        var after: [Cell?]
        /// For PARTIAL_UPDATE_ROWS after images: which columns hold a JSON diff instead of a document.
        var partial: [Bool]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `$BINLOG_SINK_FIXTURES`, else `../shared/fixtures` next to the package.
    static var fixturesRoot: String {
        if let path = ProcessInfo.processInfo.environment["BINLOG_SINK_FIXTURES"], path.isEmpty == false {
            return path
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures").path
    }

    static func load(_ relativePath: String) throws -> [UInt8] {
        let path = fixturesRoot + "/" + relativePath
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "fixture not found: \(path) (set BINLOG_SINK_FIXTURES)")
        }
        return [UInt8](data)
    }

    /// Walks the v4 event headers from offset 4: timestamp u32, type u8, server id u32, event size u32,
    /// log position u32, flags u16.
    static func events(_ bytes: [UInt8]) throws -> [Event] {
        var events: [Event] = []
        var offset = 4
        while offset + 19 <= bytes.count {
            var header = ByteReader(bytes, range: offset..<(offset + 19))
            _ = try header.readUInt32LE()
            let type = try header.readUInt8()
            _ = try header.readUInt32LE()
            let size = Int(try header.readUInt32LE())
            guard size >= 23, offset + size <= bytes.count else {
                throw Failure(description: "bad event size \(size) at \(offset)")
            }
            events.append(Event(index: events.count + 1, type: type, body: (offset + 19)..<(offset + size - 4)))
            offset += size
        }
        return events
    }

    static func tableMap(_ bytes: [UInt8], _ event: Event) throws -> Table {
        var reader = ByteReader(bytes, range: event.body)
        try reader.skip(8)  // table id, flags
        try reader.skip(Int(try reader.readUInt8()) + 1)  // schema name + NUL
        try reader.skip(Int(try reader.readUInt8()) + 1)  // table name + NUL
        let count = try reader.readPackedLength()
        var types: [UInt8] = []
        for _ in 0..<count { types.append(try reader.readUInt8()) }
        _ = try reader.readPackedLength()
        var metas: [Int] = []
        for type in types {
            switch type {
            case 3: metas.append(0)
            case 15: metas.append(Int(try reader.readUInt16LE()))
            case 245: metas.append(Int(try reader.readUInt8()))
            default: throw Failure(description: "column type \(type) not handled by the JSON fixture reader")
            }
        }
        return Table(types: types, metas: metas)
    }

    /// The rows of a WRITE_ROWS_V2 (30), UPDATE_ROWS_V2 (31) or PARTIAL_UPDATE_ROWS (39) event.
    static func rows(_ bytes: [UInt8], _ event: Event, table: Table) throws -> [Row] {
        var reader = ByteReader(bytes, range: event.body)
        try reader.skip(8)  // table id, flags
        let extraLength = Int(try reader.readUInt16LE())
        try reader.skip(extraLength - 2)
        let columnCount = try reader.readPackedLength()
        guard columnCount == table.types.count else { throw Failure(description: "column count mismatch") }
        let bitmapLength = (columnCount + 7) / 8
        let present = try reader.readArray(bitmapLength)
        let isUpdate = event.type == 31 || event.type == 39
        let presentAfter = isUpdate ? try reader.readArray(bitmapLength) : present
        var rows: [Row] = []
        while reader.isAtEnd == false {
            var before: [Cell?]? = nil
            if isUpdate {
                before = try image(&reader, bytes, table: table, present: present, partial: [])
            }
            var partial = [Bool](repeating: false, count: columnCount)
            if event.type == 39 {
                let options = try reader.readPackedInt()
                if options & 1 != 0 {
                    // One bit per JSON column of the table, whether or not it is in the image
                    // (MySQL's Rows_log_event::print_verbose_one_row).
                    let bits = try reader.readArray((table.jsonColumnCount + 7) / 8)
                    var order = 0
                    for column in 0..<columnCount where table.types[column] == 245 {
                        partial[column] = bits[order / 8] & (1 << (order % 8)) != 0
                        order += 1
                    }
                }
            }
            let after = try image(&reader, bytes, table: table, present: presentAfter, partial: partial)
            rows.append(Row(before: before, after: after, partial: partial))
        }
        return rows
    }

    /// One row image: a NULL bitmap over the present columns, then each present non-NULL value.
    static func image(_ reader: inout ByteReader, _ bytes: [UInt8], table: Table, present: [UInt8], partial: [Bool])
        throws -> [Cell?]
    {
        let columns = table.types.count
        let presentCount = (0..<columns).filter { present[$0 / 8] & (1 << ($0 % 8)) != 0 }.count
        let nulls = try reader.readArray((presentCount + 7) / 8)
        var cells = [Cell?](repeating: nil, count: columns)
        var order = 0
        for column in 0..<columns where present[column / 8] & (1 << (column % 8)) != 0 {
            defer { order += 1 }
            if nulls[order / 8] & (1 << (order % 8)) != 0 {
                cells[column] = .null
                continue
            }
            switch table.types[column] {
            case 3:
                cells[column] = .int(Int32(bitPattern: try reader.readUInt32LE()))
            case 15:
                let length = table.metas[column] < 256 ? Int(try reader.readUInt8()) : Int(try reader.readUInt16LE())
                cells[column] = .text(try reader.readString(length))
            case 245:
                let length = Int(try reader.readLE(table.metas[column]))
                cells[column] = .json(try reader.readRange(length))
            default:
                throw Failure(description: "column type \(table.types[column]) not handled")
            }
        }
        return cells
    }

    /// Every rows event of the file with the table map that precedes it.
    static func rowsEvents(_ bytes: [UInt8]) throws -> [(event: Event, rows: [Row])] {
        var table: Table? = nil
        var result: [(event: Event, rows: [Row])] = []
        for event in try events(bytes) {
            switch event.type {
            case 19:
                table = try tableMap(bytes, event)
            case 30, 31, 39:
                guard let table else { throw Failure(description: "rows event \(event.index) without a table map") }
                result.append((event, try rows(bytes, event, table: table)))
            default:
                break
            }
        }
        return result
    }
}
