import BinlogCompression
import BinlogDecoder
import CDCCore
import TestSupport

/// What the `event` fuzz target (Fuzz/event/main.swift) does with an input, for replaying its findings in the normal
/// suite: a selector byte (bit 0: MySQL 8.0 instead of MariaDB 10.11 format description; bit 1: verify checksums),
/// then up to 8 events framed by their `event_size` (the last one takes the rest, its size rewritten), each decoded,
/// its rows decoded and rendered, a compressed transaction's inner events too; an event that fails does not stop
/// the next. Returns the errors, one per failed event.
enum SingleEventReplay {
    static func run(_ input: [UInt8]) -> [DecodeError] {
        guard let selector = input.first else { return [] }
        var decoder = EventDecoder(
            decompressor: SystemDecompressor(), verifyChecksums: selector & 2 != 0, crc32: SystemDecompressor.crc32)
        var before: [ColumnValue] = []
        var after: [ColumnValue] = []
        let documents = JSONDocumentCache()
        var out = OutputBuffer(capacity: 1 << 16)
        var errors: [DecodeError] = []
        let format = selector & 1 == 0 ? HostileBinlog.mariaDBFormatDescription : HostileBinlog.formatDescription
        guard (try? decoder.decode(format, offset: 4)) != nil else { return [] }
        var start = 1
        var offset: UInt64 = 4
        var count = 0
        while start < input.count && count < 8 {
            count += 1
            var event: [UInt8]
            let left = input.count - start
            if let header = EventHeader.parse(input, at: start), Int(header.eventSize) >= EventHeader.size,
                Int(header.eventSize) <= left
            {
                event = Array(input[start..<(start + Int(header.eventSize))])
            } else {
                event = Array(input[start...])
                if event.count >= EventHeader.size {
                    for index in 0..<4 { event[9 + index] = UInt8(truncatingIfNeeded: event.count >> (8 * index)) }
                }
            }
            start += event.count
            defer { offset += UInt64(event.count) }
            do {
                let decoded = try decoder.decode(event, offset: offset)
                var events = [(decoded, event)]
                if case .transactionPayload(let payload) = decoded.body {
                    var inner = try decoder.payloadEvents(payload, in: event)
                    while let innerBytes = try inner.next(), events.count < 1000 {
                        events.append((try decoder.decode(innerBytes, offset: offset, inPayload: true), innerBytes))
                    }
                }
                for (each, _) in events {
                    guard case .rows(let rowsEvent) = each.body, let map = decoder.tableMap(for: rowsEvent.tableID)
                    else { continue }
                    try rowsEvent.verifyChecksum(SystemDecompressor.crc32)
                    var cursor = try RowCursor(
                        event: rowsEvent, columns: map.columns, isMariaDB: decoder.format.isMariaDB,
                        documents: documents, tableName: map.database + "." + map.table)
                    let info = TableRenderInfo(map: map)
                    let source = RecordRenderer.Source(
                        serverID: 1, file: [], position: offset, row: 0, gtid: nil, timestamp: 0)
                    while try cursor.next(before: &before, after: &after) {
                        try RecordRenderer().append(
                            .update, table: info, before: before, after: after, bytes: rowsEvent.bytes,
                            side: cursor.sideBytes, source: source, into: &out)
                        out.removeAll()
                    }
                }
            } catch {
                errors.append(error)
            }
        }
        return errors
    }
}
