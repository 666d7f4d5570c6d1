import BinlogCompression
import BinlogDecoder
import CDCCore

/// libFuzzer target `event`: single events, decoded the way a live replication stream delivers them — no file, no
/// magic, no file reader — after a real server's format description.
///
/// Input: one selector byte, then up to 8 events, each framed by its own `event_size`. Selector bit 0 picks the
/// format description: MariaDB 10.11 (0) or MySQL 8.0 (1), both with CRC32; bit 1 turns checksum verification on
/// (off, damage reaches the body decoders; on, the checksum path is fuzzed too). An event whose `event_size` does not
/// fit what is left takes the rest of the input, and its `event_size` is rewritten to match, so a mutation that
/// changes the length of the last event still reaches its body (a wrong `event_size` itself is covered by the unit
/// tests). Table maps are kept for the rows events after them; every rows event's rows are decoded and rendered as
/// change records, every event as `parse --events` JSON, and a compressed transaction's inner events are taken out
/// and handled the same way. Errors are fine; traps, leaks and hangs are not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = EventDecoder(
        decompressor: SystemDecompressor(), verifyChecksums: input[0] & 2 != 0,
        crc32: SystemDecompressor.crc32)
    do {
        _ = try decoder.decode(input[0] & 1 == 0 ? FormatDescriptions.mariaDB : FormatDescriptions.mysql8, offset: 4)
    } catch {
        return 0
    }
    var handler = EventHandler()
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
        do {
            try handler.handle(event, offset: offset, decoder: &decoder)
        } catch {
            _ = error.description
        }
        offset += UInt64(event.count)
    }
    return 0
}

/// What the pipeline does with each event, single-threaded.
struct EventHandler: ~Copyable {
    var before: [ColumnValue] = []
    var after: [ColumnValue] = []
    let documents = JSONDocumentCache()
    var out = OutputBuffer(capacity: 1 << 16)
    let file = Array("mysql-bin.000001".utf8)

    mutating func handle(_ bytes: [UInt8], offset: UInt64, decoder: inout EventDecoder) throws(DecodeError) {
        let event = try decoder.decode(bytes, offset: offset)
        let rows = try handle(event, bytes: bytes, decoder: decoder)
        EventJSONRenderer.append(event, bytes: bytes, file: file, rows: rows, into: &out)
        out.removeAll()
        guard case .transactionPayload(let payload) = event.body else { return }
        var inner = try decoder.payloadEvents(payload, in: bytes)
        var innerCount = 0
        while let innerBytes = try inner.next(), innerCount < 1000 {
            innerCount += 1
            let innerEvent = try decoder.decode(innerBytes, offset: offset, inPayload: true)
            let innerRows = try handle(innerEvent, bytes: innerBytes, decoder: decoder)
            EventJSONRenderer.append(innerEvent, bytes: innerBytes, file: file, rows: innerRows, into: &out)
            out.removeAll()
        }
    }

    /// Decodes and renders the rows of a rows event whose table map is known; returns how many there were.
    mutating func handle(_ event: BinlogEvent, bytes: [UInt8], decoder: EventDecoder) throws(DecodeError) -> Int {
        guard case .rows(let rowsEvent) = event.body, let map = decoder.tableMap(for: rowsEvent.tableID) else {
            return 0
        }
        try rowsEvent.verifyChecksum(SystemDecompressor.crc32)
        var cursor = try RowCursor(
            event: rowsEvent, columns: map.columns, isMariaDB: decoder.format.isMariaDB, documents: documents,
            tableName: map.database + "." + map.table)
        let info = TableRenderInfo(map: map)
        let operation: RecordRenderer.Operation
        switch rowsEvent.kind {
        case .write: operation = .insert
        case .update: operation = .update
        case .delete: operation = .delete
        }
        let source = RecordRenderer.Source(
            serverID: event.header.serverID, file: file, position: event.offset, row: 0, gtid: nil,
            timestamp: event.header.timestamp)
        var rows = 0
        while try cursor.next(before: &before, after: &after) {
            rows += 1
            try RecordRenderer().append(
                operation, table: info, before: rowsEvent.kind == .write ? nil : before,
                after: rowsEvent.kind == .delete ? nil : after, bytes: rowsEvent.bytes, side: cursor.sideBytes,
                source: source, into: &out)
            out.removeAll()
        }
        return rows
    }
}

/// The format descriptions the events are decoded under, as the servers wrote them (with their CRC32).
enum FormatDescriptions {
    /// `mariadb/full-metadata/mysql-bin.000001` at offset 4: MariaDB 10.11.19, CRC32.
    static let mariaDB = bytes(
        """
        5415026b0f01000000fc000000000100000000040031302e31312e31392d4d6172696144422d302b646562313275312d6c6f6700
        000000000000000000000000000000000000005415026b13380d000800120004040404120000e400041a08000000080808020000
        000a0a0a0000000000000a0a0a000000000000000000000000000000000000000000000000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000041304000d0808080a0a0a011a8d4d2f
        """)
    /// `mysql/transaction_compression.000001` at offset 4: MySQL 8.0.32, CRC32.
    static let mysql8 = bytes(
        """
        3d130a650f010000007a0000007e00000000000400382e302e333200000000000000000000000000000000000000000000000000
        000000000000000000000000000000000000000000000013000d0008000000000400040000006200041a08000000080808020000
        000a0a0a2a2a001234000a2800019dd8a6f4
        """)

    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var high: UInt8?
        for character in hex.utf8 where character != 0x0A {
            let digit = character <= 0x39 ? character - 0x30 : character - 0x57
            if let first = high {
                result.append(first << 4 | digit)
                high = nil
            } else {
                high = digit
            }
        }
        return result
    }
}
