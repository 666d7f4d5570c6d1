/// Recent JSON documents per table row, so that a partial JSON update can be applied when the binlog's before
/// image does not hold the document (`binlog_row_image=MINIMAL` logs only the primary key before an update).
///
/// Every insert and update of a table with JSON columns is remembered (bounded: `maxRowsPerTable` rows per
/// table, documents up to `maxDocumentSize`), keyed by the bytes of each column value. A partial update's before
/// image names the row by the columns it holds; the newest remembered row that agrees on all of them supplies
/// the document. Rows the cache never saw (before the first file read, or evicted) stay unresolved: the caller
/// renders the diff itself rather than a guessed document.
public final class JSONDocumentCache {
    public static let maxRowsPerTable = 4096
    public static let maxDocumentSize = 1 << 20
    /// All remembered rows together stay under this many bytes; the oldest go first.
    public static let maxTotalBytes = 64 << 20

    enum Document {
        case binary([UInt8])
        case value(JSONValue)
    }

    struct Row {
        /// Identity bytes of every column in the image (nil where the column was absent).
        var columns: [[UInt8]?]
        /// Documents by column index.
        var documents: [Int: Document]
        /// What this row costs, roughly, for the memory budget.
        var size: Int
    }

    private var tables: [String: [Row]] = [:]
    private var totalBytes = 0

    public init() {}

    /// Remembers the JSON documents of an after image (insert, or update with its rebuilt documents).
    func remember(table: String, image: [ColumnValue], bytes: [UInt8], rebuilt: [Int: JSONValue]) {
        var documents: [Int: Document] = [:]
        for (index, value) in image.enumerated() {
            if let document = rebuilt[index] {
                documents[index] = .value(document)
            } else if case .json(let range) = value, range.count <= Self.maxDocumentSize {
                documents[index] = .binary(Array(bytes[range]))
            }
        }
        guard !documents.isEmpty else { return }
        let identity = image.map { Self.identity($0, bytes: bytes) }
        var size = 64
        for column in identity { size += (column?.count ?? 0) + 16 }
        for document in documents.values {
            if case .binary(let data) = document { size += data.count } else { size += 256 }
        }
        // Older rows of the same identity stay until evicted: lookups go newest first, so they are never used.
        var rows = tables.removeValue(forKey: table) ?? []
        while !rows.isEmpty && (rows.count >= Self.maxRowsPerTable || totalBytes + size > Self.maxTotalBytes) {
            totalBytes -= rows.removeFirst().size
        }
        while totalBytes + size > Self.maxTotalBytes, let other = tables.keys.first {
            // Other tables give way too when this one alone cannot make room.
            for row in tables[other] ?? [] { totalBytes -= row.size }
            tables[other] = nil
        }
        guard totalBytes + size <= Self.maxTotalBytes else {
            tables[table] = rows
            return
        }
        rows.append(Row(columns: identity, documents: documents, size: size))
        totalBytes += size
        tables[table] = rows
    }

    /// Forgets a deleted row.
    func forget(table: String, image: [ColumnValue], bytes: [UInt8]) {
        guard var rows = tables[table] else { return }
        let identity = image.map { Self.identity($0, bytes: bytes) }
        rows.removeAll { row in
            guard Self.matches(row: row, identity: identity) else { return false }
            totalBytes -= row.size
            return true
        }
        tables[table] = rows
    }

    /// The newest remembered document of `column` for the row the before image names.
    func document(table: String, before: [ColumnValue], bytes: [UInt8], column: Int) throws(DecodeError) -> JSONValue? {
        guard let rows = tables[table] else { return nil }
        let identity = before.map { Self.identity($0, bytes: bytes) }
        guard identity.contains(where: { $0 != nil }) else { return nil }
        for row in rows.reversed() where Self.matches(row: row, identity: identity) {
            switch row.documents[column] {
            case .binary(let data): return try MySQLJSON.parse(data[...])
            case .value(let value): return value
            case nil: return nil
            }
        }
        return nil
    }

    /// A row matches when every column present in `identity` is present in it with the same bytes.
    static func matches(row: Row, identity: [[UInt8]?]) -> Bool {
        guard row.columns.count == identity.count else { return false }
        for (index, wanted) in identity.enumerated() {
            guard let wanted else { continue }
            if row.columns[index] != wanted { return false }
        }
        return true
    }

    /// Bytes that are equal exactly when two decoded values are; nil for an absent column.
    static func identity(_ value: ColumnValue, bytes: [UInt8]) -> [UInt8]? {
        func number(_ tag: UInt8, _ raw: UInt64) -> [UInt8] {
            var out: [UInt8] = [tag]
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: raw >> UInt64(shift))) }
            return out
        }
        switch value {
        case .absent: return nil
        case .null: return [0]
        case .int(let v): return number(1, UInt64(bitPattern: v))
        case .uint(let v): return number(2, v)
        case .float(let v): return number(3, UInt64(v.bitPattern))
        case .double(let v): return number(4, v.bitPattern)
        case .year(let v): return number(5, UInt64(v))
        case .bit(let v): return number(6, v)
        case .enumIndex(let v): return number(7, UInt64(v))
        case .setBits(let v): return number(8, v)
        case .date(let y, let m, let d): return number(9, UInt64(y) << 16 | UInt64(m) << 8 | UInt64(d))
        case .time(let t):
            return number(
                10,
                (t.negative ? 1 << 63 : 0) | UInt64(t.hours) << 32 | UInt64(t.minutes) << 24
                    | UInt64(t.seconds) << 16) + number(10, UInt64(t.microseconds))
        case .dateTime(let t):
            return number(
                11,
                UInt64(t.year) << 48 | UInt64(t.month) << 40 | UInt64(t.day) << 32
                    | UInt64(t.hour) << 24 | UInt64(t.minute) << 16 | UInt64(t.second) << 8)
                + number(11, UInt64(t.microseconds))
        case .timestamp(let seconds, let micros, _): return number(12, UInt64(seconds) << 32 | UInt64(micros))
        case .decimal(let range, _, _), .bytes(let range), .json(let range), .geometry(let range), .vector(let range):
            return [13] + Array(bytes[range])
        case .jsonText: return nil
        }
    }
}
