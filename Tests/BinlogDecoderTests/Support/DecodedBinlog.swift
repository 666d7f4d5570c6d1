import BinlogCompression
import BinlogDecoder

/// A binlog's events decoded with `EventDecoder`, framed from the 19-byte headers after the magic. Stops at the first
/// error (kept in `error`) or where the file ends.
struct DecodedBinlog {
    struct Entry {
        var event: BinlogEvent
        var bytes: [UInt8]
        /// Table maps known when the event was decoded (for rows events).
        var tableMap: TableMap?
        var isMariaDB: Bool
    }

    var entries: [Entry] = []
    var error: DecodeError?

    init(_ bytes: [UInt8], verifyChecksums: Bool = true) {
        var decoder = EventDecoder(decompressor: SystemDecompressor(), verifyChecksums: verifyChecksums)
        var offset = 4
        while offset < bytes.count {
            guard let header = EventHeader.parse(bytes, at: offset) else {
                error = DecodeError(.truncated, "header", offset: UInt64(offset))
                return
            }
            let size = Int(header.eventSize)
            guard size >= EventHeader.size, size <= bytes.count - offset else {
                error = DecodeError(.badEventSize, "event_size \(size)", offset: UInt64(offset))
                return
            }
            let eventBytes = Array(bytes[offset..<(offset + size)])
            do {
                let event = try decoder.decode(eventBytes, offset: UInt64(offset))
                var map: TableMap?
                if case .rows(let rows) = event.body { map = decoder.tableMap(for: rows.tableID) }
                entries.append(
                    Entry(event: event, bytes: eventBytes, tableMap: map, isMariaDB: decoder.format.isMariaDB))
            } catch {
                self.error = error
                return
            }
            offset += size
        }
    }

    init(fixture relativePath: String, verifyChecksums: Bool = true) throws {
        self.init(try Fixtures.bytes(relativePath), verifyChecksums: verifyChecksums)
    }

    var tableMaps: [TableMap] {
        entries.compactMap { if case .tableMap(let map) = $0.event.body { return map } else { return nil } }
    }

    var rowsEvents: [(entry: Entry, rows: RowsEvent)] {
        entries.compactMap { if case .rows(let rows) = $0.event.body { return ($0, rows) } else { return nil } }
    }

    var formatDescription: FormatDescription? {
        for entry in entries { if case .formatDescription(let format) = entry.event.body { return format } }
        return nil
    }
}
