import BinlogDecoder

/// `--format json`: the native record format (docs/record-format.md), one object per line; keys are JSON objects
/// of the primary-key columns (`{"id":7}`).
public struct JSONRecordEncoder: RecordEncoder {
    private let renderer = RecordRenderer()

    public init() {}

    public var separator: [UInt8] { [10] }

    public func prepare(_ table: TableRenderInfo) throws(CDCError) {}

    @inline(__always)
    public func appendValue(
        _ operation: RecordRenderer.Operation, table: TableRenderInfo, before: [ColumnValue]?,
        after: [ColumnValue]?, bytes: [UInt8], side: [UInt8], source: RecordRenderer.Source,
        into out: inout OutputBuffer
    ) throws(DecodeError) {
        try renderer.append(
            operation, table: table, before: before, after: after, bytes: bytes, side: side, source: source,
            into: &out, newline: false)
    }

    public func appendKey(
        table: TableRenderInfo, image: [ColumnValue], bytes: [UInt8], side: [UInt8], into out: inout OutputBuffer
    ) throws(DecodeError) {
        try renderer.appendColumns(table.keyColumns, of: image, table: table, bytes: bytes, side: side, into: &out)
    }
}
