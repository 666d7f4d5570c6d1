import BinlogCompression
import TestSupport
import Testing

@testable import BinlogDecoder

/// Length fields never size an allocation without a bound (issue 6): single events as a live stream delivers them,
/// with a 4 GB event size, packed integers of 2^64-1 and 0xFF prefixes, JSON nested 100,000 deep and a table map
/// declaring 100,000 columns. Each gets a `DecodeError` naming the field, the event's offset and type — not memory
/// exhaustion, a stack overflow or a trap (any of which would kill this test process). The same inputs as files go
/// through the parser in CDCCoreTests.HostileBinlogFileTests and through `binlog-sink parse` in BinlogSinkTests.
@Suite struct HostileLengthTests {
    typealias H = HostileBinlog

    /// A decoder that has read MySQL 8.0's format description.
    static func decoder() throws -> EventDecoder {
        var decoder = EventDecoder(decompressor: SystemDecompressor())
        _ = try decoder.decode(H.formatDescription, offset: 4)
        return decoder
    }

    /// Decodes `events` in order (from the first offset after the format description); the first error.
    static func error(_ events: [[UInt8]]) throws -> DecodeError? {
        var decoder = try decoder()
        var offset = UInt64(H.firstOffset)
        do {
            for event in events {
                _ = try decoder.decode(event, offset: offset)
                offset += UInt64(event.count)
            }
            return nil
        } catch {
            return error
        }
    }

    /// Decodes a table map and a rows event, then every row of it; the first error.
    static func rowsError(table: [UInt8], rowsType: UInt8, rows: [UInt8]) throws -> DecodeError? {
        var decoder = try decoder()
        let offset = UInt64(H.firstOffset)
        do {
            _ = try decoder.decode(H.event(type: H.tableMapType, body: table), offset: offset)
            let event = try decoder.decode(H.event(type: rowsType, body: rows), offset: offset + 100)
            guard case .rows(let rowsEvent) = event.body, let map = decoder.tableMap(for: rowsEvent.tableID) else {
                return DecodeError(.missingContext, "no rows event")
            }
            var cursor = try RowCursor(event: rowsEvent, columns: map.columns, isMariaDB: false)
            var before: [ColumnValue] = []
            var after: [ColumnValue] = []
            while try cursor.next(before: &before, after: &after) {
                for case .json(let range) in after {
                    var text: [UInt8] = []
                    try MySQLJSON.render(rowsEvent.bytes[range], into: &text)
                }
            }
            return nil
        } catch {
            return error.at(offset: offset + 100, eventType: rowsType)
        }
    }

    @Test("an event_size of 4 GB: badEventSize from the bytes given, nothing read or allocated for it")
    func eventSizeOf4GB() throws {
        var decoder = try Self.decoder()
        for size: UInt32 in [UInt32.max, 0x8000_0000, 1 << 30 + 1] {
            let event = H.event(type: 2, body: [UInt8](repeating: 0x41, count: 40), eventSize: size)
            do {
                _ = try decoder.decode(event, offset: 1234)
                Issue.record("event_size \(size) accepted")
            } catch {
                #expect(error.code == .badEventSize && error.offset == 1234 && error.eventType == 2)
                #expect(error.description.contains("event_size \(size) but \(event.count) bytes given"))
            }
        }
        // A transaction payload (compression NONE) whose inner event says 4 GB: refused before its bytes are read.
        for size: UInt32 in [UInt32.max, 1 << 30 + 1] {
            let inner = [UInt8](H.event(type: 2, body: [1, 2, 3], eventSize: size).dropLast(4))
            // compression_type 255 (NONE) · payload_size · end mark · the payload.
            let payloadBody: [UInt8] = [2, 3, 0xfc, 0xff, 0x00] + [1, 1, UInt8(inner.count)] + [0] + inner
            let outer = H.event(type: H.transactionPayload, body: payloadBody)
            let event = try decoder.decode(outer, offset: 2000)
            guard case .transactionPayload(let payload) = event.body else {
                Issue.record("not a transaction payload")
                continue
            }
            #expect(payload.compression == .none)
            var reader = try decoder.payloadEvents(payload, in: outer)
            do {
                _ = try reader.next()
                Issue.record("inner event_size \(size) accepted")
            } catch {
                #expect(error.code == .badEventSize && error.message.contains("impossible size \(size)"))
            }
        }
        // An inner event that says 1 MB but has 10 bytes: truncated, the buffer never grew to 1 MB.
        let inner = [UInt8](H.event(type: 2, body: [1, 2, 3], eventSize: 1 << 20).dropLast(4))
        let outer = H.event(
            type: H.transactionPayload, body: [2, 3, 0xfc, 0xff, 0, 1, 1, UInt8(inner.count), 0] + inner)
        guard case .transactionPayload(let payload) = try decoder.decode(outer, offset: 3000).body else {
            Issue.record("not a transaction payload")
            return
        }
        var reader = try decoder.payloadEvents(payload, in: outer)
        #expect(throws: DecodeError.self) { _ = try reader.next() }
        #expect(reader.buffer.capacity < 1 << 20)
    }

    @Test("packed integers of 2^64-1 and 0xFF/0xFB prefixes in rows events, table maps and payload headers")
    func packedIntegers() throws {
        let table = H.intAndJSONTable
        // Rows event column count: 2^64-1, a 0xFF and a 0xFB prefix, 2^24-1.
        let counts: [([UInt8], DecodeError.Code, String)] = [
            (H.packedMax, .limitExceeded, "declares 18446744073709551615 columns"),
            ([0xff, 0xff, 0xff], .malformed, "invalid length-encoded integer prefix 0xff"),
            ([0xfb], .malformed, "invalid length-encoded integer prefix 0xfb"),
            ([0xfd, 0xff, 0xff, 0xff], .limitExceeded, "declares 16777215 columns"),
        ]
        for (count, code, message) in counts {
            let rows = H.rows(columnCount: count, bitmaps: [0xff], rows: [0, 1, 0, 0, 0])
            let error = try #require(try Self.error([H.event(type: H.writeRowsV2, body: rows)]))
            #expect(error.code == code && error.message.contains(message), "\(error)")
            #expect(error.offset == UInt64(H.firstOffset) && error.eventType == H.writeRowsV2)
        }
        // Table map: column count, metadata length.
        for hostile in [
            H.tableMap(types: [H.long], metadata: [], declaredCount: H.packedMax),
            H.tableMap(types: [H.long], metadata: [], declaredCount: [0xff]),
            Array(H.tableMap(types: [H.long], metadata: []).dropLast(2)) + H.packedMax + [0xff],
        ] {
            let error = try #require(try Self.error([H.event(type: H.tableMapType, body: hostile)]))
            #expect(error.code == .malformed && error.eventType == H.tableMapType, "\(error)")
        }
        // Partial JSON update: value_options of 2^64-1 (bit 0 set: a partial bitmap follows) reads on; a diff whose
        // path length or value length is 2^64-1 or 0xFF-prefixed is malformed.
        let before = H.smallObject
        let diffs: [[UInt8]] = [
            [0] + H.packedMax + Array("$.a".utf8),
            [0, 0xff] + Array("$.a".utf8),
            [0, 3] + Array("$.a".utf8) + H.packedMax + [5, 1, 0],
            [1, 3] + Array("$.b".utf8) + [0xff, 5, 1, 0],
        ]
        for diff in diffs {
            let error = try #require(
                try Self.rowsError(
                    table: table, rowsType: H.partialUpdateRows,
                    rows: H.partialUpdate(before: before, valueOptions: H.packedMax, diff: diff)))
            #expect(error.code == .malformed && error.message.contains("JSON diff"), "\(error)")
        }
        // value_options with a 0xFF prefix.
        let options = try #require(
            try Self.rowsError(
                table: table, rowsType: H.partialUpdateRows,
                rows: H.partialUpdate(before: before, valueOptions: [0xff], diff: [])))
        #expect(options.code == .malformed && options.message.contains("value_options"), "\(options)")
        // The sane diff decodes: the hostile cases above fail for their lengths, not for their layout.
        let sane = H.partialUpdate(before: before, diff: H.diff(0, path: Array("$.a".utf8), value: [5, 2, 0]))
        #expect(try Self.rowsError(table: table, rowsType: H.partialUpdateRows, rows: sane) == nil)
        // Transaction payload: payload_size 2^64-1, compression type with a 0xFF prefix.
        for body in [[2, 1, 0] + [1, 9] + H.packedMax + [0, 1, 2], [2, 1, 0xff, 1, 1, 1, 0, 7]] {
            let error = try #require(try Self.error([H.event(type: H.transactionPayload, body: body)]))
            #expect(error.offset == UInt64(H.firstOffset) && error.eventType == H.transactionPayload, "\(error)")
        }
    }

    @Test("a JSON document nested 100,000 deep in a rows event, and in a partial-update diff, is limitExceeded")
    func jsonNested100000Deep() throws {
        let deep = H.nestedJSON(depth: 100_000)
        let write = H.rows(columnCount: [2], bitmaps: [0x03], rows: H.intAndJSONImage(id: 1, json: deep))
        let error = try #require(try Self.rowsError(table: H.intAndJSONTable, rowsType: H.writeRowsV2, rows: write))
        #expect(error.code == .limitExceeded && error.message.contains("1000"), "\(error)")
        // The document nested exactly to the limit renders.
        let fits = H.rows(
            columnCount: [2], bitmaps: [0x03],
            rows: H.intAndJSONImage(id: 1, json: H.nestedJSON(depth: MySQLJSON.maximumDepth)))
        #expect(try Self.rowsError(table: H.intAndJSONTable, rowsType: H.writeRowsV2, rows: fits) == nil)
        // A diff whose value is nested 100,000 deep, and one whose path has 100,000 legs.
        let path = Array(("$" + String(repeating: "[0]", count: 100_000)).utf8)
        for diff in [H.diff(0, path: Array("$.a".utf8), value: deep), H.diff(0, path: path, value: [4, 1])] {
            let update = H.partialUpdate(before: H.smallObject, diff: diff)
            let error = try #require(
                try Self.rowsError(table: H.intAndJSONTable, rowsType: H.partialUpdateRows, rows: update))
            #expect(error.code == .limitExceeded, "\(error)")
            // Without a before document (binlog_row_image=MINIMAL) the diffs are decoded alone: the same error.
            #expect(throws: DecodeError.self) { try JSONDiff.decode(diff[...]) }
        }
    }

    @Test("a table map declaring 100,000 columns: limitExceeded with them present, malformed without")
    func tableMapOf100000Columns() throws {
        let types = [UInt8](repeating: H.long, count: 100_000)
        let present = H.tableMap(types: types, metadata: [])
        let error = try #require(try Self.error([H.event(type: H.tableMapType, body: present)]))
        #expect(error.code == .limitExceeded && error.message.contains("declares 100000 columns (at most 4096)"))
        #expect(error.offset == UInt64(H.firstOffset) && error.eventType == H.tableMapType)
        let absent = H.tableMap(types: [H.long, H.long], metadata: [], declaredCount: H.packed(100_000))
        let short = try #require(try Self.error([H.event(type: H.tableMapType, body: absent)]))
        #expect(short.code == .malformed && short.message.contains("100000 is more than"), "\(short)")
        // A rows event declaring 100,000 columns after a good table map.
        let rows = H.rows(columnCount: H.packed(100_000), bitmaps: [0xff], rows: [])
        let rowsError = try #require(
            try Self.error([
                H.event(type: H.tableMapType, body: H.intAndJSONTable), H.event(type: H.writeRowsV2, body: rows),
            ]))
        #expect(rowsError.code == .limitExceeded && rowsError.message.contains("100000 columns"))
    }
}
