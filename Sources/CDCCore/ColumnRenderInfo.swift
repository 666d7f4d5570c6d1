import BinlogDecoder

/// What rendering one column needs, worked out once per table map instead of once per value.
public final class ColumnRenderInfo: Sendable {
    public enum TextKind: Sendable {
        /// Text in this character set.
        case text(Charset)
        /// Bytes, rendered as base64; `padTo` is BINARY(n)'s length (the server pads with 0x00).
        case binary(padTo: Int)
    }

    public let column: TableColumn
    /// `"name":` ready to append.
    public let key: [UInt8]
    public let textKind: TextKind
    /// ENUM/SET labels already rendered as JSON string contents (no quotes), when known.
    public let labels: [[UInt8]]?

    public init(column: TableColumn, index: Int) {
        self.column = column
        var key = OutputBuffer(capacity: 64)
        JSONString.append(column.name ?? "@\(index + 1)", into: &key)
        key.append(58)
        self.key = key.array
        let charset = column.collation.flatMap { Charset.forCollation($0) }
        if let charset, !charset.isBinary {
            textKind = .text(charset)
        } else {
            let isFixedBinary = column.type == .string && charset?.isBinary == true
            textKind = .binary(padTo: isFixedBinary ? column.stringLength : 0)
        }
        var labels: [[UInt8]]?
        if let raw = column.labels {
            let labelCharset = charset ?? Charset.forCollation(45)
            labels = raw.map { label in
                var rendered = OutputBuffer(capacity: 64)
                label.withUnsafeBytes { bytes in
                    if let labelCharset {
                        JSONString.append(bytes, charset: labelCharset, into: &rendered)
                    } else {
                        JSONString.appendUTF8(bytes, into: &rendered)
                    }
                }
                // keep the escaped contents without the surrounding quotes, to join SET members
                return Array(rendered.array.dropFirst().dropLast())
            }
        }
        self.labels = labels
    }
}

/// Render information for every column of one table map, cached by the renderer per table id.
public final class TableRenderInfo: @unchecked Sendable {
    /// Rows rendered per operation (insert, update, delete, read): statistics without a dictionary per row.
    /// Mutated only by the one pipeline stage that owns this info.
    public var rowCounts = [0, 0, 0, 0]
    public let map: TableMap
    /// `"db":"…","table":"…"` ready to append.
    public let dbAndTable: [UInt8]
    /// `db.table`.
    public let qualifiedName: String
    /// MySQL JSON columns need the order-dependent document cache (partial updates): rendered in order.
    public let hasJSONColumns: Bool
    public let columns: [ColumnRenderInfo]
    /// `columns` without their reference counts, for the per-value loop (`columns` keeps them alive).
    let unretainedColumns: [Unmanaged<ColumnRenderInfo>]
    /// The output format's per-table state (`RecordEncoder.prepare`), copied with the info.
    public var encoding: (any TableEncoding)?
    /// Per column: keep, exclude or mask (`ColumnFilter`); nil when every column is kept. Copied with the info.
    public var columnActions: [ColumnFilter.Action]?
    /// Column indices of the message key: the primary key, or every column when there is none.
    public let keyColumns: [Int]

    /// A copy for another thread (same map and encoding, own counters).
    public func copy() -> TableRenderInfo {
        let copy = TableRenderInfo(map: map)
        copy.encoding = encoding
        copy.columnActions = columnActions
        return copy
    }

    public init(map: TableMap) {
        self.map = map
        var prefix = OutputBuffer(capacity: 128)
        JSONOutput.appendLiteral("\"db\":", into: &prefix)
        JSONString.append(map.database, into: &prefix)
        JSONOutput.appendLiteral(",\"table\":", into: &prefix)
        JSONString.append(map.table, into: &prefix)
        dbAndTable = prefix.array
        qualifiedName = "\(map.database).\(map.table)"
        hasJSONColumns = map.columns.contains { $0.type == .json }
        columns = map.columns.enumerated().map { ColumnRenderInfo(column: $1, index: $0) }
        unretainedColumns = columns.map { Unmanaged.passUnretained($0) }
        let key = map.primaryKey.filter { $0 < map.columns.count }
        keyColumns = key.isEmpty ? Array(0..<map.columns.count) : key
    }
}
