/// Iterates the row images of one rows event with its table's columns.
///
/// `next` decodes into caller-owned arrays that are reused from row to row: no allocation per row or per
/// value (except the rebuilt document of a partial JSON update).
public struct RowCursor {
    public let event: RowsEvent
    public let decoder: RowImageDecoder
    var reader: ByteReader
    /// 0-based index of the next row.
    public private(set) var rowIndex = 0

    public init(event: RowsEvent, columns: [TableColumn], isMariaDB: Bool) throws(DecodeError) {
        guard columns.count == event.columnCount else {
            throw DecodeError(.missingContext,
                              "rows event has \(event.columnCount) columns, its table map \(columns.count)")
        }
        self.event = event
        self.decoder = RowImageDecoder(columns: columns, isMariaDB: isMariaDB)
        self.reader = ByteReader(event.bytes, range: event.rows)
    }

    /// Decodes the next row change. For writes only `after` is filled, for deletes only `before`.
    /// Returns false when the event has no more rows.
    public mutating func next(before: inout [ColumnValue], after: inout [ColumnValue]) throws(DecodeError) -> Bool {
        guard !reader.isAtEnd else { return false }
        let start = reader.position
        switch event.kind {
        case .write:
            try decoder.decode(&reader, present: event.presentBefore, into: &after)
        case .delete:
            try decoder.decode(&reader, present: event.presentBefore, into: &before)
        case .update:
            try decoder.decode(&reader, present: event.presentBefore, into: &before)
            if event.isPartialUpdate {
                try decodePartialAfter(before: before, after: &after)
            } else {
                try decoder.decode(&reader, present: event.presentAfter, into: &after)
            }
        }
        if reader.position == start {
            // Only a table without columns has empty images; anything left over is not a row.
            throw DecodeError(.malformed, "\(reader.remaining) bytes after the last row image")
        }
        rowIndex += 1
        return true
    }

    /// PARTIAL_UPDATE_ROWS after image: `value_options` packed; with `PARTIAL_JSON_UPDATES` (1) a bitmap with one
    /// bit per JSON column of the after image says which JSON values are diffs against the before image.
    private mutating func decodePartialAfter(before: [ColumnValue], after: inout [ColumnValue]) throws(DecodeError) {
        let options = try reader.readPackedInt("value_options")
        let columns = decoder.columns
        var partial = [Bool](repeating: false, count: columns.count)
        if options & 1 != 0 {
            var jsonColumns: [Int] = []
            for index in columns.indices where columns[index].type == .json
                && decoder.bitIsSet(event.bytes, event.presentAfter, index) {
                jsonColumns.append(index)
            }
            let bitmap = try reader.readRange((jsonColumns.count + 7) / 8, "partial JSON bitmap")
            for (order, column) in jsonColumns.enumerated() where decoder.bitIsSet(event.bytes, bitmap, order) {
                partial[column] = true
            }
        }
        try decoder.decode(&reader, present: event.presentAfter, into: &after, partialJSON: partial)
        for index in columns.indices where partial[index] {
            guard case .bytes(let diff) = after[index] else { continue }
            let document: JSONValue
            switch before[index] {
            case .json(let range): document = try MySQLJSON.parse(event.bytes[range])
            case .jsonText:
                throw DecodeError(.malformed, "column \(index + 1): partial JSON update of an already rebuilt value")
            default:
                throw DecodeError(.missingContext, "column \(index + 1): partial JSON update without a before image")
            }
            let updated = try JSONDiff.apply(event.bytes[diff], to: document)
            var text: [UInt8] = []
            updated.render(into: &text)
            after[index] = .jsonText(text)
        }
    }
}
