import BinlogDecoder

/// Renders a block of snapshot rows as `read` records with the run's encoder, exactly as the binlog path renders
/// an insert's after image (same `TableRenderInfo`, same encoder, same value renderers).
public struct SnapshotRenderer: Sendable {
    public let table: SnapshotTable
    public let info: TableRenderInfo
    public let encoder: any RecordEncoder
    public let keys: Bool
    /// The snapshot's binlog position as records name it (`source.file`, `source.pos`).
    public let file: String
    public let position: UInt64
    public let serverID: UInt32
    public let timestamp: UInt32

    public init(
        table: SnapshotTable, info: TableRenderInfo, encoder: any RecordEncoder, keys: Bool, file: String,
        position: UInt64, serverID: UInt32, timestamp: UInt32
    ) {
        self.table = table
        self.info = info
        self.encoder = encoder
        self.keys = keys
        self.file = file
        self.position = position
        self.serverID = serverID
        self.timestamp = timestamp
    }

    /// The render info with the run's column filter and the format's per-table state (call on the owning thread).
    public static func makeInfo(
        _ table: SnapshotTable, columnFilter: ColumnFilter, encoder: any RecordEncoder
    ) throws(CDCError) -> TableRenderInfo {
        let info = TableRenderInfo(map: table.map)
        info.columnActions = columnFilter.actions(for: info)
        try encoder.prepare(info)
        return info
    }

    /// Converts and encodes every row of `block` (the first `table.map.columns.count` fields of each row).
    public func render(_ block: consuming SnapshotRowBlock) throws(CDCError) -> RecordBatch {
        var block = block
        block.seal()
        let info = self.info.copy()
        let columns = table.kinds.count
        var values = OutputBuffer(
            capacity: max(4096, block.bytes.count + block.bytes.count / 4 + block.rowCount * (columns * 24 + 256)))
        var keyBuffer = OutputBuffer(capacity: keys ? block.rowCount * 16 + 64 : 64)
        var records: [RecordBatch.Record] = []
        records.reserveCapacity(block.rowCount)
        var after = [ColumnValue](repeating: .null, count: columns)
        let separator = encoder.separator
        var fileText = OutputBuffer(capacity: 64)
        JSONString.append(file, into: &fileText)
        let fileBytes = Array(fileText.array.dropFirst().dropLast())
        var source = RecordRenderer.Source(
            serverID: serverID, file: fileBytes, position: position, row: 0, gtid: nil, timestamp: timestamp)
        for row in 0..<block.rowCount {
            for column in 0..<columns {
                if let range = block.range(row: row, field: column) {
                    after[column] = try SnapshotValueDecoder.value(
                        table.kinds[column], range, in: &block.bytes,
                        column: "\(info.qualifiedName).\(table.schema.columns[column].name)")
                } else {
                    after[column] = .null
                }
            }
            source.row = block.firstOrdinal + row
            let valueStart = values.count
            do {
                try encoder.appendValue(
                    .read, table: info, before: nil, after: after, bytes: block.bytes, side: block.bytes,
                    source: source, into: &values)
                let valueEnd = values.count
                values.append(contentsOf: separator)
                let keyStart = keyBuffer.count
                if keys {
                    try encoder.appendKey(
                        table: info, image: after, bytes: block.bytes, side: block.bytes, into: &keyBuffer)
                }
                records.append(
                    RecordBatch.Record(
                        value: valueStart..<valueEnd, key: keyStart..<keyBuffer.count, table: 0, operation: .read,
                        origin: 0, position: position, row: source.row))
            } catch {
                throw CDCError(.decode, "snapshot of \(info.qualifiedName), row \(source.row): \(error)")
            }
        }
        return RecordBatch(
            values: values.moveToArray(), keys: keyBuffer.moveToArray(), records: records,
            tables: [
                RecordBatch.Table(
                    database: table.schema.database, table: table.schema.table,
                    primaryKey: table.keyColumns.map { table.schema.columns[$0].name })
            ],
            origins: [RecordBatch.Origin(file: file, gtid: nil)])
    }
}
