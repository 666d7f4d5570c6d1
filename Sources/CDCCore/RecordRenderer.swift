import BinlogDecoder

/// Writes change records as JSON Lines (docs/record-format.md) into a reusable byte buffer.
public struct RecordRenderer: Sendable {
    public enum Operation: Sendable {
        case insert, update, delete, read

        /// Index into per-table row counters.
        public var index: Int {
            switch self {
            case .insert: return 0
            case .update: return 1
            case .delete: return 2
            case .read: return 3
            }
        }

        var literal: StaticString {
            switch self {
            case .insert: return "{\"op\":\"insert\","
            case .update: return "{\"op\":\"update\","
            case .delete: return "{\"op\":\"delete\","
            case .read: return "{\"op\":\"read\","
            }
        }
    }

    /// Where a record comes from; the file name is pre-rendered once per file.
    public struct Source: Sendable {
        public var serverID: UInt32
        /// The file name as JSON string contents (escaped, no quotes).
        public var file: [UInt8]
        public var position: UInt64
        public var row: Int
        /// The transaction's GTID as JSON string contents, or nil.
        public var gtid: [UInt8]?
        public var timestamp: UInt32

        public init(serverID: UInt32, file: [UInt8], position: UInt64, row: Int, gtid: [UInt8]?, timestamp: UInt32) {
            self.serverID = serverID
            self.file = file
            self.position = position
            self.row = row
            self.gtid = gtid
            self.timestamp = timestamp
        }
    }

    public init() {}

    /// Appends one record line (with its trailing newline).
    public func append(
        _ operation: Operation, table: TableRenderInfo, before: [ColumnValue]?, after: [ColumnValue]?,
        bytes: [UInt8], side: [UInt8] = [], source: Source,
        into out: inout OutputBuffer, newline: Bool = true
    ) throws(DecodeError) {
        JSONOutput.appendLiteral(operation.literal, into: &out)
        out.append(contentsOf: table.dbAndTable)
        JSONOutput.appendLiteral(",\"before\":", into: &out)
        try appendImage(before, table: table, bytes: bytes, side: side, into: &out)
        JSONOutput.appendLiteral(",\"after\":", into: &out)
        try appendImage(after, table: table, bytes: bytes, side: side, into: &out)
        JSONOutput.appendLiteral(",\"source\":{\"server_id\":", into: &out)
        JSONOutput.append(UInt64(source.serverID), into: &out)
        JSONOutput.appendLiteral(",\"file\":\"", into: &out)
        out.append(contentsOf: source.file)
        JSONOutput.appendLiteral("\",\"pos\":", into: &out)
        JSONOutput.append(source.position, into: &out)
        JSONOutput.appendLiteral(",\"row\":", into: &out)
        JSONOutput.append(UInt64(source.row), into: &out)
        JSONOutput.appendLiteral(",\"gtid\":", into: &out)
        if let gtid = source.gtid {
            out.append(34)
            out.append(contentsOf: gtid)
            out.append(34)
        } else {
            JSONOutput.appendLiteral("null", into: &out)
        }
        JSONOutput.appendLiteral(",\"ts\":", into: &out)
        JSONOutput.append(UInt64(source.timestamp), into: &out)
        JSONOutput.appendLiteral("},\"key\":\"", into: &out)
        out.append(contentsOf: source.file)
        out.append(58)
        JSONOutput.append(source.position, into: &out)
        out.append(58)
        JSONOutput.append(UInt64(source.row), into: &out)
        JSONOutput.appendLiteral("\"}", into: &out)
        if newline { out.append(10) }
    }

    /// Appends `{"col":value,…}` of the given columns of one image (absent columns are left out).
    public func appendColumns(
        _ indices: [Int], of values: [ColumnValue], table: TableRenderInfo, bytes: [UInt8], side: [UInt8],
        into out: inout OutputBuffer
    ) throws(DecodeError) {
        try ColumnObjectWriter.append(
            indices, of: values, table: table, bytes: bytes, side: side, renderer: ValueRenderer.self, into: &out)
    }

    private func appendImage(
        _ values: [ColumnValue]?, table: TableRenderInfo, bytes: [UInt8], side: [UInt8],
        into out: inout OutputBuffer
    ) throws(DecodeError) {
        guard let values else {
            JSONOutput.appendLiteral("null", into: &out)
            return
        }
        try ColumnObjectWriter.append(
            0..<values.count, of: values, table: table, bytes: bytes, side: side, renderer: ValueRenderer.self,
            into: &out)
    }
}
