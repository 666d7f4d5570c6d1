import BinlogCompression
import Testing

@testable import BinlogDecoder

/// Rows event framing: post-header, v2 extra data, bitmaps, compressed rows.
@Suite struct RowsEventTests {
    /// table_id u48 · flags u16 · [v2: extra_data_len u16 + extra] · column_count packed · bitmap(s) · rows.
    static func body(v2: Bool, extra: [UInt8] = [], count: [UInt8] = [2], bitmaps: [UInt8] = [0x03], rows: [UInt8] = [])
        -> [UInt8]
    {
        var out: [UInt8] = [0x2a, 0, 0, 0, 0, 0, 0x01, 0x00]
        if v2 {
            let length = UInt16(2 + extra.count)
            out += [UInt8(length & 0xff), UInt8(length >> 8)] + extra
        }
        return out + count + bitmaps + rows
    }

    static func parse(_ body: [UInt8], _ type: EventType, decompressor: (any Decompressor)? = nil) throws(DecodeError)
        -> RowsEvent
    {
        try RowsEvent.parse(
            body, body: 0..<body.count, type: type, postHeaderLength: type.isRowsV2 ? 10 : 8,
            decompressor: decompressor)
    }

    @Test func framing() throws {
        let v1 = try Self.parse(Self.body(v2: false, rows: [0xaa, 0xbb]), .writeRowsV1)
        #expect(v1.tableID == 42 && v1.isStatementEnd && v1.columnCount == 2 && v1.kind == .write)
        #expect(v1.presentBefore == 9..<10 && v1.presentAfter == 9..<10 && v1.rows == 10..<12)
        let v2 = try Self.parse(
            Self.body(v2: true, extra: [1, 2, 3], bitmaps: [0x03, 0x01], rows: [0xcc]), .updateRowsV2)
        #expect(v2.kind == .update && v2.presentBefore == 14..<15 && v2.presentAfter == 15..<16 && v2.rows == 16..<17)
        let delete = try Self.parse(Self.body(v2: true), .deleteRowsV2)
        #expect(delete.kind == .delete && delete.rows.isEmpty)
    }

    @Test func damagedFraming() {
        func code(_ body: [UInt8], _ type: EventType) -> DecodeError.Code? {
            do {
                _ = try Self.parse(body, type)
                return nil
            } catch {
                return error.code
            }
        }
        // extra_data_len counts itself: less than 2 is impossible.
        var tooShort = Self.body(v2: true)
        tooShort[8] = 1
        #expect(code(tooShort, .writeRowsV2) == .malformed)
        // extra data past the end.
        var pastEnd = Self.body(v2: true)
        pastEnd[8] = 200
        #expect(code(pastEnd, .writeRowsV2) == .truncated)
        // More columns than any table has.
        #expect(code(Self.body(v2: false, count: [0xfc, 0x01, 0x10]), .writeRowsV1) == .limitExceeded)
        #expect(
            code(Self.body(v2: false, count: [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), .writeRowsV1)
                == .limitExceeded)
        // A bitmap cut off.
        #expect(code(Self.body(v2: false, count: [20], bitmaps: [0xff]), .writeRowsV1) == .truncated)
        #expect(code(Self.body(v2: false, bitmaps: [0x03]), .updateRowsV1) == .truncated)
        // Not a rows event at all.
        #expect(code(Self.body(v2: false), .query) == .malformed)
    }

    /// MariaDB compressed rows without a decompressor: a decompression error, not a crash.
    @Test func compressedWithoutDecompressor() {
        do {
            _ = try Self.parse(Self.body(v2: false, rows: [0x81, 0x02, 0x78, 0x9c]), .mariaWriteRowsCompressedV1)
            Issue.record("compressed rows decoded without zlib")
        } catch {
            #expect(error.code == .decompression)
        }
    }

    /// The compressed variant of the MariaDB workload inflates to the same row data as the plain one.
    @Test(.enabled(if: Fixtures.available, Fixtures.skipMessage))
    func compressedRowsMatchPlainRows() throws {
        let compressed = try DecodedBinlog(fixture: "mariadb/compressed/mysql-bin.000002")
        let plain = try DecodedBinlog(fixture: "mariadb/minimal-metadata/mysql-bin.000002")
        let compressedRows = compressed.rowsEvents.map { Array($0.rows.bytes[$0.rows.rows]) }
        let plainRows = plain.rowsEvents.map { Array($0.rows.bytes[$0.rows.rows]) }
        #expect(compressed.rowsEvents.contains { $0.rows.type.isCompressedRows })
        #expect(compressedRows.count == plainRows.count && !plainRows.isEmpty)
        #expect(compressedRows == plainRows)
    }
}
