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
    /// Bytes made while decoding the current row (rebuilt JSON documents), referenced by `.jsonText` ranges.
    public private(set) var sideBytes: [UInt8] = []

    /// Remembers JSON documents across events (see `JSONDocumentCache`); nil to not use one.
    let documents: JSONDocumentCache?
    /// `db.table`, the cache's key.
    let tableName: String
    let hasJSON: Bool
    /// The columns of each image, listed once per event.
    let beforeColumns: [Int]
    let afterColumns: [Int]

    public init(
        event: RowsEvent, columns: [TableColumn], isMariaDB: Bool,
        documents: JSONDocumentCache? = nil, tableName: String = ""
    ) throws(DecodeError) {
        guard columns.count == event.columnCount else {
            throw DecodeError(
                .missingContext,
                "rows event has \(event.columnCount) columns, its table map \(columns.count)")
        }
        self.event = event
        self.decoder = RowImageDecoder(columns: columns, isMariaDB: isMariaDB)
        self.reader = ByteReader(event.bytes, range: event.rows)
        var beforeColumns: [Int] = []
        var afterColumns: [Int] = []
        for index in 0..<columns.count {
            if decoder.bitIsSet(event.bytes, event.presentBefore, index) { beforeColumns.append(index) }
            if decoder.bitIsSet(event.bytes, event.presentAfter, index) { afterColumns.append(index) }
        }
        self.beforeColumns = beforeColumns
        self.afterColumns = event.presentAfter == event.presentBefore ? beforeColumns : afterColumns
        self.hasJSON = columns.contains { $0.type == .json }
        self.documents = hasJSON ? documents : nil
        self.tableName = tableName
    }

    /// Decodes the next row change. For writes only `after` is filled, for deletes only `before`.
    /// Returns false when the event has no more rows.
    public mutating func next(before: inout [ColumnValue], after: inout [ColumnValue]) throws(DecodeError) -> Bool {
        guard !reader.isAtEnd else { return false }
        let start = reader.position
        if !sideBytes.isEmpty { sideBytes.removeAll(keepingCapacity: true) }
        let offset = event.isPreGA ? 1 : 0
        switch event.kind {
        case .write:
            try decodeImage(present: beforeColumns, into: &after, nullBitOffset: offset)
            documents?.remember(table: tableName, image: after, bytes: event.bytes, rebuilt: [:])
        case .delete:
            try decodeImage(present: beforeColumns, into: &before, nullBitOffset: offset)
            documents?.forget(table: tableName, image: before, bytes: event.bytes)
        case .update:
            try decodeImage(present: beforeColumns, into: &before, nullBitOffset: offset)
            var rebuilt: [Int: JSONValue] = [:]
            if event.isPartialUpdate {
                rebuilt = try decodePartialAfter(before: before, after: &after)
            } else {
                try decodeImage(present: afterColumns, into: &after, nullBitOffset: offset)
            }
            if let documents {
                documents.forget(table: tableName, image: before, bytes: event.bytes)
                documents.remember(table: tableName, image: after, bytes: event.bytes, rebuilt: rebuilt)
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
    /// bit per JSON column of the table (present in the after image or not, as MySQL's `rpl_record.cc` reads it)
    /// says which JSON values are diffs against the before image.
    ///
    /// With the before document in the event (`binlog_row_image=FULL`) the diff is applied and the after image is
    /// complete. Under MINIMAL/NOBLOB the before document is not in the binlog: the value is then rendered as
    /// `{"$partial_json_update":[{"op":"replace","path":"$.a","value":…},…]}` so nothing is lost or invented.
    /// One image, read through a raw view of the event's bytes (the hot path).
    private mutating func decodeImage(
        present: [Int], into values: inout [ColumnValue],
        nullBitOffset: Int
    ) throws(DecodeError) {
        var failure: DecodeError?
        var position = reader.position
        let end = reader.end
        let decoder = self.decoder
        event.bytes.withUnsafeBytes { raw in
            var rawReader = RawByteReader(raw, position: position, end: end)
            do throws(DecodeError) {
                try decoder.decode(&rawReader, presentColumns: present, into: &values, nullBitOffset: nullBitOffset)
            } catch {
                failure = error
            }
            position = rawReader.position
        }
        if let failure { throw failure }
        reader.position = position
    }

    /// Returns the documents it rebuilt, by column.
    private mutating func decodePartialAfter(before: [ColumnValue], after: inout [ColumnValue]) throws(DecodeError)
        -> [Int: JSONValue]
    {
        var rebuilt: [Int: JSONValue] = [:]
        let options = try reader.readPackedInt("value_options")
        let columns = decoder.columns
        var partial = [Bool](repeating: false, count: columns.count)
        if options & 1 != 0 {
            let jsonColumns = columns.indices.filter { columns[$0].type == .json }
            let bitmap = try reader.readRange((jsonColumns.count + 7) / 8, "partial JSON bitmap")
            for (order, column) in jsonColumns.enumerated()
            where decoder.bitIsSet(event.bytes, bitmap, order)
                && decoder.bitIsSet(event.bytes, event.presentAfter, column)
            {
                partial[column] = true
            }
        }
        try decoder.decode(&reader, present: event.presentAfter, into: &after, partialJSON: partial)
        for index in columns.indices where partial[index] {
            guard case .bytes(let diff) = after[index] else { continue }
            let from = sideBytes.count
            var document: JSONValue?
            switch before[index] {
            case .json(let range):
                document = try MySQLJSON.parse(event.bytes[range])
            case .null:
                throw DecodeError(.malformed, "column \(index + 1): partial JSON update of a NULL document")
            default:
                document = try documents?.document(table: tableName, before: before, bytes: event.bytes, column: index)
            }
            if let document {
                let updated = try JSONDiff.apply(event.bytes[diff], to: document)
                updated.render(into: &sideBytes)
                rebuilt[index] = updated
            } else {
                try Self.renderChanges(JSONDiff.decode(event.bytes[diff]), into: &sideBytes)
            }
            after[index] = .jsonText(from..<sideBytes.count)
        }
        return rebuilt
    }

    /// `{"$partial_json_update":[{"op":"replace","path":"$.a","value":1},…]}` (no value for "remove").
    static func renderChanges(_ changes: [JSONDiff.Change], into out: inout [UInt8]) {
        out.append(contentsOf: "{\"$partial_json_update\":[".utf8)
        for (index, change) in changes.enumerated() {
            if index > 0 { out.append(44) }
            out.append(contentsOf: "{\"op\":\"".utf8)
            out.append(contentsOf: change.operation.name.lowercased().utf8)
            out.append(contentsOf: "\",\"path\":".utf8)
            JSONValue.string(change.path).render(into: &out)
            if let value = change.value {
                out.append(contentsOf: ",\"value\":".utf8)
                value.render(into: &out)
            }
            out.append(125)
        }
        out.append(contentsOf: "]}".utf8)
    }
}
