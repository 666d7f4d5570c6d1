/// WRITE/UPDATE/DELETE_ROWS events (v0 pre-GA, v1, v2), PARTIAL_UPDATE_ROWS and MariaDB's compressed variants.
///
/// Post-header: `table_id` u48 (u32 in very old servers) · `flags` u16 · v2 only: `extra_data_len` u16 (counting
/// itself) and extra data. Body: `column_count` packed · `columns_present` bitmap · update only: a second
/// bitmap for the after image · rows. MariaDB compressed events zlib-compress the rows part.
public struct RowsEvent: Sendable {
    public var kind: RowsKind
    public var type: EventType
    public var tableID: UInt64
    public var flags: UInt16
    public var columnCount: Int
    /// The bytes the ranges below point into (the event itself, or the inflated rows of a compressed event).
    public var bytes: [UInt8]
    /// Columns in the before image (update, delete) or the only image (write).
    public var presentBefore: Range<Int>
    /// Columns in the after image of an update.
    public var presentAfter: Range<Int>
    /// The row images.
    public var rows: Range<Int>
    /// The event's CRC32 (its last 4 bytes) is still to be checked (`EventDecoder.deferRowsChecksum`).
    public var checksumPending = false

    /// Checks the CRC32 a decoder deferred; a no-op when none is pending.
    public func verifyChecksum(_ crc32: @Sendable (UnsafeRawBufferPointer) -> UInt32) throws(DecodeError) {
        guard checksumPending else { return }
        try EventDecoder.verifyChecksum(bytes, crc32: crc32, maskInUseFlag: false)
    }

    /// `STMT_END_F`: the last rows event of a statement.
    public var isStatementEnd: Bool { flags & 0x0001 != 0 }
    public var isPartialUpdate: Bool { type == .partialUpdateRows }
    /// Rows events of MySQL 5.1.5–5.1.17 (types 20–22, "v0").
    public var isPreGA: Bool { (20...22).contains(type.rawValue) }

    static func parse(
        _ bytes: [UInt8], body range: Range<Int>, type: EventType, postHeaderLength: Int,
        decompressor: (any Decompressor)?
    ) throws(DecodeError) -> RowsEvent {
        guard let kind = type.rowsKind else {
            throw DecodeError(.malformed, "not a rows event")
        }
        var reader = ByteReader(bytes, range: range)
        // A 6-byte post-header (MySQL 5.1.4 and older) has a 4-byte table id.
        let tableID = try reader.readLE(postHeaderLength >= 8 ? 6 : 4, "table_id")
        let flags = try reader.readUInt16LE("flags")
        if type.isRowsV2 {
            let extraLength = Int(try reader.readUInt16LE("extra_data_len"))
            guard extraLength >= 2 else {
                throw DecodeError(.malformed, "extra_data_len \(extraLength) is less than 2")
            }
            try reader.skip(extraLength - 2, "extra data")
        }
        let declaredCount = try reader.readPackedInt("column count")
        if declaredCount > UInt64(TableMap.maxColumns) {
            throw DecodeError(
                .limitExceeded, "rows event declares \(declaredCount) columns (at most \(TableMap.maxColumns))")
        }
        let columnCount = Int(declaredCount)
        let bitmapLength = (columnCount + 7) / 8
        let before = try reader.readRange(bitmapLength, "columns bitmap")
        // Pre-GA update events (v0) have one bitmap for both images.
        let hasAfterBitmap = kind == .update && type != .preGAUpdateRows
        let after = hasAfterBitmap ? try reader.readRange(bitmapLength, "after-image columns bitmap") : before
        if type.isCompressedRows {
            guard let decompressor else {
                throw DecodeError(.decompression, "compressed rows event but no zlib decompressor is configured")
            }
            // Inflate the rows part and keep the bitmaps by copying them in front of it.
            let inflated = try MariaCompression.inflate(bytes[reader.position..<reader.end], using: decompressor)
            var copy: [UInt8] = []
            copy.reserveCapacity(before.count + after.count + inflated.count)
            copy.append(contentsOf: bytes[before])
            if hasAfterBitmap { copy.append(contentsOf: bytes[after]) }
            let bitmapsEnd = copy.count
            copy.append(contentsOf: inflated)
            let newBefore = 0..<before.count
            let newAfter = hasAfterBitmap ? before.count..<bitmapsEnd : newBefore
            return RowsEvent(
                kind: kind, type: type, tableID: tableID, flags: flags, columnCount: columnCount,
                bytes: copy, presentBefore: newBefore, presentAfter: newAfter,
                rows: bitmapsEnd..<copy.count)
        }
        return RowsEvent(
            kind: kind, type: type, tableID: tableID, flags: flags, columnCount: columnCount,
            bytes: bytes, presentBefore: before, presentAfter: after, rows: reader.position..<reader.end)
    }
}
